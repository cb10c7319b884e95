"""``keras.activations`` for scripts that import from ``seqnn.keras``: the same objects as ``seqnn.activations``."""
from seqnn.activations import *  # noqa: F401,F403
from seqnn.activations import __all__  # noqa: F401
