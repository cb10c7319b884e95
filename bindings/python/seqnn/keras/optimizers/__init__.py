"""``keras.optimizers`` for scripts that import from ``seqnn.keras``: the same objects as ``seqnn.optimizers``."""
from seqnn.optimizers import *  # noqa: F401,F403
from seqnn.optimizers import __all__  # noqa: F401
from . import schedules  # noqa: F401,E402  (keras.optimizers.schedules, importable as a submodule)
