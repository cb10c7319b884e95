"""``keras.backend`` for scripts that import from ``seqnn.keras``: the same objects as ``seqnn.backend``."""
from seqnn.backend import *  # noqa: F401,F403
from seqnn.backend import __all__  # noqa: F401
