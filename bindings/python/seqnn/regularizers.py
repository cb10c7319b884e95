"""``keras.regularizers``: L1, L2 and L1L2 weight penalties (Keras 3 classes and defaults).

``kernel_regularizer=seqnn.regularizers.l2(0.01)`` adds ``0.01 * sum(w ** 2)`` to the loss, as Keras does.
"""
from __future__ import annotations

from typing import Any, Dict, Union

import numpy as np

__all__ = ["Regularizer", "L1", "L2", "L1L2", "l1", "l2", "l1_l2", "get"]


class Regularizer:
    """The base of the penalties; ``get_config()`` gives Keras's config."""
    _class_name = "L1L2"

    def __init__(self, l1: float = 0.0, l2: float = 0.0) -> None:
        self.l1 = float(l1)
        self.l2 = float(l2)
        for k, v in (("l1", self.l1), ("l2", self.l2)):
            if not np.isfinite(v) or v < 0:
                raise ValueError(f"{type(self).__name__}: {k} must be a finite number >= 0, found {v}")

    def __call__(self, x: Any) -> float:
        """The penalty for weight array ``x``."""
        w = np.asarray(x, dtype=np.float64)
        return float(self.l1 * np.sum(np.abs(w)) + self.l2 * np.sum(w * w))

    def get_config(self) -> Dict[str, float]:
        return {"l1": self.l1, "l2": self.l2}

    @classmethod
    def from_config(cls, config: Dict[str, Any]) -> "Regularizer":
        return cls(**config)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(f'{k}={v}' for k, v in self.get_config().items())})"


class L1L2(Regularizer):
    """``l1 * sum|w| + l2 * sum w^2``; Keras 3 defaults l1=0.0, l2=0.0."""
    _class_name = "L1L2"


class L1(Regularizer):
    """``l1 * sum|w|``; default 0.01."""
    _class_name = "L1"

    def __init__(self, l1: float = 0.01) -> None:
        super().__init__(l1=l1)

    def get_config(self) -> Dict[str, float]:
        return {"l1": self.l1}


class L2(Regularizer):
    """``l2 * sum w^2``; default 0.01."""
    _class_name = "L2"

    def __init__(self, l2: float = 0.01) -> None:
        super().__init__(l2=l2)

    def get_config(self) -> Dict[str, float]:
        return {"l2": self.l2}


# Keras's lower-case aliases.
l1 = L1
l2 = L2
l1_l2 = L1L2


def get(identifier: Union[str, Regularizer, Dict[str, Any], None]) -> Union[str, Regularizer, Dict[str, Any], None]:
    """``keras.regularizers.get``: a name ("l1", "l2", "l1_l2"), a Regularizer or a config dict."""
    if identifier is None or isinstance(identifier, (Regularizer, dict)):
        return identifier
    if isinstance(identifier, str):
        table = {"l1": L1, "l2": L2, "l1_l2": L1L2, "L1": L1, "L2": L2, "L1L2": L1L2}
        if identifier not in table:
            raise ValueError(f"unknown regularizer '{identifier}'; known: l1, l2, l1_l2")
        return table[identifier]()
    raise ValueError(f"could not interpret regularizer {identifier!r}")
