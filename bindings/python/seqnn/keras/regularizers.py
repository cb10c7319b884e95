"""``keras.regularizers`` for scripts that import from ``seqnn.keras``: the same objects as ``seqnn.regularizers``."""
from seqnn.regularizers import *  # noqa: F401,F403
from seqnn.regularizers import __all__  # noqa: F401
