"""``keras.optimizers.schedules`` for scripts that import from ``seqnn.keras``: the same objects as ``seqnn.schedules``."""
from seqnn.schedules import *  # noqa: F401,F403
from seqnn.schedules import __all__  # noqa: F401
