"""``keras.layers`` for scripts that import from ``seqnn.keras``: the same objects as ``seqnn.layers``."""
from seqnn.layers import *  # noqa: F401,F403
from seqnn.layers import __all__  # noqa: F401
