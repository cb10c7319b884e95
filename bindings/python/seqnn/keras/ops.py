"""``keras.ops`` for scripts that import from ``seqnn.keras``: the same objects as ``seqnn.ops``."""
from seqnn.ops import *  # noqa: F401,F403
from seqnn.ops import __all__  # noqa: F401
