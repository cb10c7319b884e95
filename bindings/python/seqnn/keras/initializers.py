"""``keras.initializers`` for scripts that import from ``seqnn.keras``: the same objects as ``seqnn.initializers``."""
from seqnn.initializers import *  # noqa: F401,F403
from seqnn.initializers import __all__  # noqa: F401
