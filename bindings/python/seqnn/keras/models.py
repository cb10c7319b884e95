"""``keras.models`` for scripts that import from ``seqnn.keras``: the same objects as ``seqnn.models``."""
from seqnn.models import *  # noqa: F401,F403
from seqnn.models import __all__  # noqa: F401
