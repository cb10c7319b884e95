"""``keras.utils`` for scripts that import from ``seqnn.keras``: the same objects as ``seqnn.utils``."""
from seqnn.utils import *  # noqa: F401,F403
from seqnn.utils import __all__  # noqa: F401
