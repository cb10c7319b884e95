"""``keras.layers`` for scripts that import from ``seqnn.keras``: the same objects as ``seqnn.layers``,
including the generic classes made for layer classes the library builds without a class written in Python."""
from typing import List

import seqnn.layers as _layers
from seqnn.layers import *  # noqa: F401,F403
from seqnn.layers import __all__  # noqa: F401


def __getattr__(name: str) -> type:
    """PEP 562: the same generic class ``seqnn.layers`` makes (one object for both modules)."""
    return _layers._registered(name, __name__)


def __dir__() -> List[str]:
    return sorted(set(globals()) | set(_layers.__dir__()))
