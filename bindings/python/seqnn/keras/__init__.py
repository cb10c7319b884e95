"""``seqnn.keras``: the Keras-shaped API under Keras's own module names, so a script needs only its
imports changed::

    from seqnn.keras.models import Sequential     # from keras.models import Sequential
    from seqnn.keras.layers import Dense          # from keras.layers import Dense
    import seqnn.keras.backend as K               # import keras.backend as K
    import seqnn.keras as keras                   # import keras; keras.utils.to_categorical(...)

Every name here is the same object as in ``seqnn`` (``seqnn.keras.models.Sequential is
seqnn.models.Sequential``).
"""
from __future__ import annotations

from . import (activations, backend, callbacks, initializers, layers, losses, metrics, models, ops, optimizers,
               regularizers, utils)
from seqnn.layers import Input, InputLayer
from seqnn.models import Sequential, load_model, save_model

__all__ = ["Sequential", "Input", "InputLayer", "load_model", "save_model", "activations", "backend", "callbacks",
           "initializers", "layers", "losses", "metrics", "models", "ops", "optimizers", "regularizers", "utils"]
