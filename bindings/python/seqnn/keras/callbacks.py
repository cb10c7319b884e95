"""``keras.callbacks`` for scripts that import from ``seqnn.keras``: the same objects as ``seqnn.callbacks``."""
from seqnn.callbacks import *  # noqa: F401,F403
from seqnn.callbacks import __all__  # noqa: F401
