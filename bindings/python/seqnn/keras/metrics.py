"""``keras.metrics`` for scripts that import from ``seqnn.keras``: the same objects as ``seqnn.metrics``."""
from seqnn.metrics import *  # noqa: F401,F403
from seqnn.metrics import __all__  # noqa: F401
