"""``keras.backend`` at the numpy level: the helpers a custom metric uses (``K.mean``, ``K.sum``, ...).

Custom metrics receive numpy arrays, so these functions are thin numpy wrappers with Keras's argument
names (``axis``, ``keepdims``) and float32 results. ``import seqnn.keras.backend as K`` reads like the
original.
"""
from __future__ import annotations

from typing import Any, Optional, Sequence, Tuple, Union

import numpy as np

__all__ = ["epsilon", "set_epsilon", "floatx", "set_floatx", "image_data_format", "set_image_data_format",
           "backend", "clear_session", "is_keras_tensor", "is_tensor", "constant", "variable", "cast", "eval",
           "get_value", "set_value", "batch_get_value", "shape", "int_shape", "ndim", "dtype", "zeros", "ones",
           "zeros_like", "ones_like", "eye", "mean", "sum", "prod", "max", "min", "std", "var", "any", "all",
           "argmax", "argmin", "square", "abs", "sqrt", "exp", "log", "pow", "round", "sign", "clip", "maximum",
           "minimum", "equal", "not_equal", "greater", "greater_equal", "less", "less_equal", "dot", "batch_dot",
           "transpose", "reshape", "flatten", "batch_flatten", "expand_dims", "squeeze", "concatenate", "stack",
           "one_hot", "cumsum", "cumprod", "sigmoid", "hard_sigmoid", "softmax", "softplus", "softsign", "relu",
           "elu", "tanh", "binary_crossentropy", "categorical_crossentropy", "sparse_categorical_crossentropy",
           "in_top_k", "switch", "l2_normalize", "gather", "arange", "tile", "random_uniform", "random_normal",
           "stop_gradient", "sin", "cos", "logsumexp", "floor", "ceil", "where", "print_tensor", "count_params"]

_EPSILON = 1e-7
_FLOATX = "float32"

Axis = Optional[Union[int, Sequence[int]]]


def _a(x: Any) -> np.ndarray:
    return np.asarray(x)


def _f(x: Any) -> np.ndarray:
    a = np.asarray(x)
    return a if a.dtype == np.float32 else a.astype(np.float32)


def _axis(axis: Axis) -> Any:
    return tuple(axis) if isinstance(axis, (list, tuple)) else axis


# ---- configuration ---------------------------------------------------------------------------------

def epsilon() -> float:
    """The fuzz factor (1e-7), as Keras's ``K.epsilon()``."""
    return _EPSILON


def set_epsilon(value: float) -> None:
    """Changes the value ``epsilon()`` returns here (the library's own clipping constant stays 1e-7)."""
    global _EPSILON
    _EPSILON = float(value)


def floatx() -> str:
    return _FLOATX


def set_floatx(value: str) -> None:
    if value != "float32":
        raise ValueError("SeqNN computes in float32 only")


def image_data_format() -> str:
    return "channels_last"


def set_image_data_format(data_format: str) -> None:
    if data_format != "channels_last":
        raise ValueError("SeqNN is channels_last only")


def backend() -> str:
    return "seqnn"


def clear_session(free_memory: bool = True) -> None:
    """A no-op: SeqNN keeps no global session (models are freed with their Python objects)."""


def is_keras_tensor(x: Any) -> bool:
    return False


def is_tensor(x: Any) -> bool:
    return isinstance(x, np.ndarray)


# ---- tensors ---------------------------------------------------------------------------------------

def constant(value: Any, dtype: Optional[str] = None, shape: Optional[Sequence[int]] = None,
             name: Any = None) -> np.ndarray:
    a = np.asarray(value, dtype=dtype or _FLOATX)
    return np.broadcast_to(a, tuple(shape)).copy() if shape is not None else a


def variable(value: Any, dtype: Optional[str] = None, name: Any = None, constraint: Any = None) -> np.ndarray:
    return np.array(value, dtype=dtype or _FLOATX)


def cast(x: Any, dtype: Any) -> np.ndarray:
    return np.asarray(x).astype(dtype)


def eval(x: Any) -> np.ndarray:  # noqa: A001 - Keras's name
    return np.asarray(x)


def get_value(x: Any) -> Any:
    return np.asarray(x)


def set_value(x: Any, value: Any) -> None:
    if not isinstance(x, np.ndarray):
        # optimizer.learning_rate is a plain float here (read from the library), not a variable to write into
        raise NotImplementedError("set_value works on numpy arrays only; to change an optimizer's learning rate, "
                                  "assign it: model.optimizer.learning_rate = value (as in Keras 3)")
    x[...] = value


def batch_get_value(xs: Sequence[Any]) -> list:
    return [np.asarray(x) for x in xs]


def shape(x: Any) -> Tuple[int, ...]:
    return np.shape(x)


def int_shape(x: Any) -> Tuple[int, ...]:
    return tuple(int(d) for d in np.shape(x))


def ndim(x: Any) -> int:
    return np.ndim(x)


def dtype(x: Any) -> str:
    return str(np.asarray(x).dtype)


def count_params(x: Any) -> int:
    return int(np.size(x))


def zeros(shape: Sequence[int], dtype: Optional[str] = None, name: Any = None) -> np.ndarray:
    return np.zeros(shape, dtype=dtype or _FLOATX)


def ones(shape: Sequence[int], dtype: Optional[str] = None, name: Any = None) -> np.ndarray:
    return np.ones(shape, dtype=dtype or _FLOATX)


def zeros_like(x: Any, dtype: Optional[str] = None, name: Any = None) -> np.ndarray:
    return np.zeros_like(_a(x), dtype=dtype)


def ones_like(x: Any, dtype: Optional[str] = None, name: Any = None) -> np.ndarray:
    return np.ones_like(_a(x), dtype=dtype)


def eye(size: int, dtype: Optional[str] = None, name: Any = None) -> np.ndarray:
    return np.eye(size, dtype=dtype or _FLOATX)


def arange(start: Any, stop: Any = None, step: int = 1, dtype: str = "int32") -> np.ndarray:
    return np.arange(start, stop, step, dtype=dtype) if stop is not None else np.arange(start, dtype=dtype)


# ---- reductions ------------------------------------------------------------------------------------

def mean(x: Any, axis: Axis = None, keepdims: bool = False) -> Any:
    return np.mean(_f(x), axis=_axis(axis), keepdims=keepdims, dtype=np.float64).astype(np.float32)


def sum(x: Any, axis: Axis = None, keepdims: bool = False) -> Any:  # noqa: A001
    return np.sum(_a(x), axis=_axis(axis), keepdims=keepdims)


def prod(x: Any, axis: Axis = None, keepdims: bool = False) -> Any:
    return np.prod(_a(x), axis=_axis(axis), keepdims=keepdims)


def max(x: Any, axis: Axis = None, keepdims: bool = False) -> Any:  # noqa: A001
    return np.max(_a(x), axis=_axis(axis), keepdims=keepdims)


def min(x: Any, axis: Axis = None, keepdims: bool = False) -> Any:  # noqa: A001
    return np.min(_a(x), axis=_axis(axis), keepdims=keepdims)


def std(x: Any, axis: Axis = None, keepdims: bool = False) -> Any:
    return np.std(_f(x), axis=_axis(axis), keepdims=keepdims, dtype=np.float64).astype(np.float32)


def var(x: Any, axis: Axis = None, keepdims: bool = False) -> Any:
    return np.var(_f(x), axis=_axis(axis), keepdims=keepdims, dtype=np.float64).astype(np.float32)


def any(x: Any, axis: Axis = None, keepdims: bool = False) -> Any:  # noqa: A001
    return np.any(_a(x), axis=_axis(axis), keepdims=keepdims)


def all(x: Any, axis: Axis = None, keepdims: bool = False) -> Any:  # noqa: A001
    return np.all(_a(x), axis=_axis(axis), keepdims=keepdims)


def argmax(x: Any, axis: int = -1) -> np.ndarray:
    return np.argmax(_a(x), axis=axis)


def argmin(x: Any, axis: int = -1) -> np.ndarray:
    return np.argmin(_a(x), axis=axis)


def cumsum(x: Any, axis: int = 0) -> np.ndarray:
    return np.cumsum(_a(x), axis=axis)


def cumprod(x: Any, axis: int = 0) -> np.ndarray:
    return np.cumprod(_a(x), axis=axis)


def logsumexp(x: Any, axis: Axis = None, keepdims: bool = False) -> Any:
    a = _f(x)
    m = np.max(a, axis=_axis(axis), keepdims=True)
    out = m + np.log(np.sum(np.exp(a - m), axis=_axis(axis), keepdims=True))
    return out if keepdims else np.squeeze(out, axis=_axis(axis))


# ---- elementwise -----------------------------------------------------------------------------------

def square(x: Any) -> np.ndarray:
    return np.square(_a(x))


def abs(x: Any) -> np.ndarray:  # noqa: A001
    return np.abs(_a(x))


def sqrt(x: Any) -> np.ndarray:
    return np.sqrt(np.maximum(_f(x), 0.0))


def exp(x: Any) -> np.ndarray:
    return np.exp(_f(x))


def log(x: Any) -> np.ndarray:
    return np.log(_f(x))


def pow(x: Any, a: Any) -> np.ndarray:  # noqa: A001
    return np.power(_a(x), a)


def round(x: Any) -> np.ndarray:  # noqa: A001
    return np.round(_a(x))


def floor(x: Any) -> np.ndarray:
    return np.floor(_a(x))


def ceil(x: Any) -> np.ndarray:
    return np.ceil(_a(x))


def sign(x: Any) -> np.ndarray:
    return np.sign(_a(x))


def sin(x: Any) -> np.ndarray:
    return np.sin(_f(x))


def cos(x: Any) -> np.ndarray:
    return np.cos(_f(x))


def clip(x: Any, min_value: Any, max_value: Any) -> np.ndarray:
    if max_value is not None and min_value is not None and max_value < min_value:
        max_value = min_value
    return np.clip(_a(x), min_value, max_value)


def maximum(x: Any, y: Any) -> np.ndarray:
    return np.maximum(_a(x), _a(y))


def minimum(x: Any, y: Any) -> np.ndarray:
    return np.minimum(_a(x), _a(y))


def equal(x: Any, y: Any) -> np.ndarray:
    return np.equal(_a(x), _a(y))


def not_equal(x: Any, y: Any) -> np.ndarray:
    return np.not_equal(_a(x), _a(y))


def greater(x: Any, y: Any) -> np.ndarray:
    return np.greater(_a(x), _a(y))


def greater_equal(x: Any, y: Any) -> np.ndarray:
    return np.greater_equal(_a(x), _a(y))


def less(x: Any, y: Any) -> np.ndarray:
    return np.less(_a(x), _a(y))


def less_equal(x: Any, y: Any) -> np.ndarray:
    return np.less_equal(_a(x), _a(y))


def where(condition: Any, x: Any = None, y: Any = None) -> Any:
    return np.where(condition) if x is None and y is None else np.where(condition, x, y)


def switch(condition: Any, then_expression: Any, else_expression: Any) -> np.ndarray:
    return np.where(condition, then_expression, else_expression)


def stop_gradient(x: Any) -> np.ndarray:
    return _a(x)


def print_tensor(x: Any, message: str = "") -> Any:
    print(message, x)
    return x


# ---- shapes and products ---------------------------------------------------------------------------

def dot(x: Any, y: Any) -> np.ndarray:
    return np.dot(_a(x), _a(y))


def batch_dot(x: Any, y: Any, axes: Any = None) -> np.ndarray:
    return np.einsum("bi,bi->b", _a(x), _a(y))[:, None] if axes in (None, 1, (1, 1)) else np.matmul(_a(x), _a(y))


def transpose(x: Any) -> np.ndarray:
    return np.transpose(_a(x))


def reshape(x: Any, shape: Sequence[int]) -> np.ndarray:
    return np.reshape(_a(x), tuple(shape))


def flatten(x: Any) -> np.ndarray:
    return np.reshape(_a(x), (-1,))


def batch_flatten(x: Any) -> np.ndarray:
    a = _a(x)
    return np.reshape(a, (a.shape[0], -1))


def expand_dims(x: Any, axis: int = -1) -> np.ndarray:
    return np.expand_dims(_a(x), axis)


def squeeze(x: Any, axis: Any = None) -> np.ndarray:
    return np.squeeze(_a(x), axis=axis)


def concatenate(tensors: Sequence[Any], axis: int = -1) -> np.ndarray:
    return np.concatenate([_a(t) for t in tensors], axis=axis)


def stack(x: Sequence[Any], axis: int = 0) -> np.ndarray:
    return np.stack([_a(t) for t in x], axis=axis)


def tile(x: Any, n: Any) -> np.ndarray:
    return np.tile(_a(x), n)


def gather(reference: Any, indices: Any) -> np.ndarray:
    return np.take(_a(reference), np.asarray(indices, dtype=np.int64), axis=0)


def one_hot(indices: Any, num_classes: int) -> np.ndarray:
    idx = np.asarray(indices, dtype=np.int64)
    return np.eye(num_classes, dtype=np.float32)[idx]


def l2_normalize(x: Any, axis: Any = None) -> np.ndarray:
    a = _f(x)
    n = np.sqrt(np.maximum(np.sum(a * a, axis=axis, keepdims=True), 1e-12))
    return a / n


def in_top_k(predictions: Any, targets: Any, k: int) -> np.ndarray:
    p = _f(predictions)
    t = np.asarray(targets, dtype=np.int64).reshape(-1)
    target = p[np.arange(p.shape[0]), t]
    return np.sum(p > target[:, None], axis=-1) < k


# ---- activations and losses ------------------------------------------------------------------------

def sigmoid(x: Any) -> np.ndarray:
    return (0.5 * (1.0 + np.tanh(0.5 * _f(x)))).astype(np.float32)


def hard_sigmoid(x: Any) -> np.ndarray:
    return (np.clip(_f(x) + 3.0, 0.0, 6.0) / 6.0).astype(np.float32)


def softmax(x: Any, axis: int = -1) -> np.ndarray:
    a = _f(x)
    e = np.exp(a - np.max(a, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def softplus(x: Any) -> np.ndarray:
    return np.logaddexp(0, _f(x)).astype(np.float32)


def softsign(x: Any) -> np.ndarray:
    a = _f(x)
    return a / (1 + np.abs(a))


def relu(x: Any, alpha: float = 0.0, max_value: Any = None, threshold: float = 0.0) -> np.ndarray:
    a = _f(x)
    y = np.where(a > threshold, a, alpha * (a - threshold))
    return np.minimum(y, max_value) if max_value is not None else y


def elu(x: Any, alpha: float = 1.0) -> np.ndarray:
    a = _f(x)
    return np.where(a > 0, a, alpha * np.expm1(np.minimum(a, 0)))


def tanh(x: Any) -> np.ndarray:
    return np.tanh(_f(x))


def binary_crossentropy(target: Any, output: Any, from_logits: bool = False) -> np.ndarray:
    t, o = _f(target), _f(output)
    if from_logits:
        o = sigmoid(o)
    o = np.clip(o, _EPSILON, 1 - _EPSILON)
    return -(t * np.log(o) + (1 - t) * np.log(1 - o))


def categorical_crossentropy(target: Any, output: Any, from_logits: bool = False, axis: int = -1) -> np.ndarray:
    t, o = _f(target), _f(output)
    o = softmax(o, axis) if from_logits else o / np.sum(o, axis=axis, keepdims=True)
    o = np.clip(o, _EPSILON, 1 - _EPSILON)
    return -np.sum(t * np.log(o), axis=axis)


def sparse_categorical_crossentropy(target: Any, output: Any, from_logits: bool = False, axis: int = -1) -> np.ndarray:
    o = _f(output)
    o = softmax(o, axis) if from_logits else o / np.sum(o, axis=axis, keepdims=True)
    o = np.clip(o, _EPSILON, 1 - _EPSILON)
    t = np.asarray(target, dtype=np.int64).reshape(o.shape[:-1])
    return -np.log(np.take_along_axis(o, t[..., None], axis=-1)[..., 0])


# ---- random (numpy's global generator; seqnn.utils.set_random_seed seeds it) ----------------------

def random_uniform(shape: Sequence[int], minval: float = 0.0, maxval: float = 1.0, dtype: Optional[str] = None,
                   seed: Optional[int] = None) -> np.ndarray:
    rng = np.random.default_rng(seed) if seed is not None else np.random
    return rng.uniform(minval, maxval, size=tuple(shape)).astype(dtype or _FLOATX)


def random_normal(shape: Sequence[int], mean: float = 0.0, stddev: float = 1.0, dtype: Optional[str] = None,
                  seed: Optional[int] = None) -> np.ndarray:
    rng = np.random.default_rng(seed) if seed is not None else np.random
    return rng.normal(mean, stddev, size=tuple(shape)).astype(dtype or _FLOATX)
