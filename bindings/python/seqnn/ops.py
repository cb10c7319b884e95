"""``keras.ops`` at the numpy level: Keras 3's names for the helpers custom metrics use
(``ops.mean``, ``ops.argmax``, ``ops.equal``, ``ops.cast``, ...). Same functions as ``seqnn.backend``.

``Tensor`` is what ``model(x)``, a loss object and ``convert_to_tensor`` return: a numpy array that also
answers the eager-tensor method tutorials call on Keras's results, ``.numpy()``."""
from __future__ import annotations

import functools
from typing import Any

import numpy as np

from .backend import *  # noqa: F401,F403
from .backend import __all__ as _backend_all

__all__ = list(_backend_all) + ["Tensor", "convert_to_tensor", "convert_to_numpy", "add", "subtract", "multiply", "divide",
                                "true_divide", "negative", "matmul", "log1p", "expm1", "isnan", "isinf",
                                "isfinite", "logical_and", "logical_or", "logical_not", "average", "top_k",
                                "count_nonzero", "size"]


class Tensor(np.ndarray):
    """A numpy array with Keras's ``tensor.numpy()``. Keras returns eager tensors from ``model(x)`` and from
    calling a loss, and tutorials write ``model(x).numpy()`` / ``loss_fn(y, p).numpy()``; everything else is
    numpy's (a numpy function on it gives a Tensor or a numpy scalar)."""

    def numpy(self) -> Any:
        """The values as a plain numpy array (a numpy scalar for a 0-d tensor, as Keras gives)."""
        a = self.view(np.ndarray)
        return a[()] if a.ndim == 0 else a


def tensor(x: Any, dtype: Any = None) -> Tensor:
    """``x`` as a ``Tensor`` (no copy when it is already an array of that dtype)."""
    return np.asarray(x, dtype=dtype).view(Tensor)


def convert_to_tensor(x: Any, dtype: Any = None, sparse: Any = None) -> Tensor:
    return tensor(x, dtype)


def convert_to_numpy(x: Any) -> np.ndarray:
    a = np.asarray(x)
    return a.view(np.ndarray) if isinstance(a, Tensor) else a


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


# Keras's ops return tensors, so tutorials call `.numpy()` on any result (`ops.softmax(p).numpy()`): every
# array-valued op here returns a Tensor. Settings, predicates and shape queries answer as plain values.
_PLAIN = {"Tensor", "tensor", "convert_to_numpy", "epsilon", "set_epsilon", "floatx", "set_floatx",
          "image_data_format", "set_image_data_format", "backend", "clear_session", "is_keras_tensor", "is_tensor",
          "shape", "int_shape", "ndim", "dtype", "eval", "get_value", "set_value", "batch_get_value", "print_tensor",
          "count_params", "size"}


def _as_tensors(value: Any) -> Any:
    if isinstance(value, tuple):
        return tuple(_as_tensors(v) for v in value)
    if isinstance(value, (np.ndarray, np.generic)) and not isinstance(value, Tensor) and value.dtype != object:
        return np.asarray(value).view(Tensor)
    return value


def _returning_tensors(fn: Any) -> Any:
    @functools.wraps(fn)
    def op(*args: Any, **kwargs: Any) -> Any:
        return _as_tensors(fn(*args, **kwargs))
    return op


for _name in __all__:
    if _name not in _PLAIN and callable(globals().get(_name)) and not isinstance(globals()[_name], type):
        globals()[_name] = _returning_tensors(globals()[_name])
del _name
