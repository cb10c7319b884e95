"""``keras.losses`` for scripts that import from ``seqnn.keras``: the same objects as ``seqnn.losses``."""
from seqnn.losses import *  # noqa: F401,F403
from seqnn.losses import __all__  # noqa: F401
