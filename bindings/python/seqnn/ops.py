"""``keras.ops`` at the numpy level: Keras 3's names for the helpers custom metrics use
(``ops.mean``, ``ops.argmax``, ``ops.equal``, ``ops.cast``, ...). Same functions as ``seqnn.backend``."""
from __future__ import annotations

from typing import Any

import numpy as np

from .backend import *  # noqa: F401,F403
from .backend import __all__ as _backend_all

__all__ = list(_backend_all) + ["convert_to_tensor", "convert_to_numpy", "add", "subtract", "multiply", "divide",
                                "true_divide", "negative", "matmul", "log1p", "expm1", "isnan", "isinf",
                                "isfinite", "logical_and", "logical_or", "logical_not", "average", "top_k",
                                "count_nonzero", "size"]


def convert_to_tensor(x: Any, dtype: Any = None, sparse: Any = None) -> np.ndarray:
    return np.asarray(x, dtype=dtype)


def convert_to_numpy(x: Any) -> np.ndarray:
    return np.asarray(x)


add = np.add
subtract = np.subtract
multiply = np.multiply
divide = np.divide
true_divide = np.true_divide
negative = np.negative
matmul = np.matmul
log1p = np.log1p
expm1 = np.expm1
isnan = np.isnan
isinf = np.isinf
isfinite = np.isfinite
logical_and = np.logical_and
logical_or = np.logical_or
logical_not = np.logical_not
average = np.average
count_nonzero = np.count_nonzero
size = np.size


def top_k(x: Any, k: int, sorted: bool = True) -> Any:  # noqa: A002
    a = np.asarray(x)
    idx = np.argsort(-a, axis=-1, kind="stable")[..., :k]
    return np.take_along_axis(a, idx, axis=-1), idx
