"""``keras.activations``: the activation functions SeqNN knows, by Keras name.

Each function computes its value on numpy arrays (handy in custom metrics) and, passed as
``activation=seqnn.activations.relu``, stands for the Keras name the C library runs. Use the names
(``activation="relu"``) or these functions; arbitrary Python activations cannot run inside the library.
"""
from __future__ import annotations

from typing import Any, Callable, Dict, List, Union

import numpy as np

__all__ = ["linear", "relu", "sigmoid", "tanh", "softmax", "elu", "selu", "softplus", "softsign",
           "exponential", "hard_sigmoid", "gelu", "silu", "swish", "leaky_relu", "relu6", "log_softmax",
           "get", "serialize", "deserialize"]

_REGISTRY: Dict[str, Callable[..., np.ndarray]] = {}


def _named(name: str) -> Callable[[Callable[..., np.ndarray]], Callable[..., np.ndarray]]:
    def wrap(fn: Callable[..., np.ndarray]) -> Callable[..., np.ndarray]:
        fn._seqnn_name = name  # type: ignore[attr-defined]
        _REGISTRY[name] = fn
        return fn
    return wrap


def _f(x: Any) -> np.ndarray:
    return np.asarray(x, dtype=np.float32)


@_named("linear")
def linear(x: Any) -> np.ndarray:
    return _f(x)


@_named("relu")
def relu(x: Any, negative_slope: float = 0.0, max_value: Any = None, threshold: float = 0.0) -> np.ndarray:
    x = _f(x)
    y = np.where(x > threshold, x, negative_slope * (x - threshold) if negative_slope else 0.0)
    if max_value is not None:
        y = np.minimum(y, max_value)
    return y.astype(np.float32)


@_named("sigmoid")
def sigmoid(x: Any) -> np.ndarray:
    x = _f(x)
    return (0.5 * (1.0 + np.tanh(0.5 * x))).astype(np.float32)


@_named("tanh")
def tanh(x: Any) -> np.ndarray:
    return np.tanh(_f(x))


@_named("softmax")
def softmax(x: Any, axis: int = -1) -> np.ndarray:
    x = _f(x)
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return (e / np.sum(e, axis=axis, keepdims=True)).astype(np.float32)


@_named("log_softmax")
def log_softmax(x: Any, axis: int = -1) -> np.ndarray:
    x = _f(x)
    s = x - np.max(x, axis=axis, keepdims=True)
    return (s - np.log(np.sum(np.exp(s), axis=axis, keepdims=True))).astype(np.float32)


@_named("elu")
def elu(x: Any, alpha: float = 1.0) -> np.ndarray:
    x = _f(x)
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0))).astype(np.float32)


@_named("selu")
def selu(x: Any) -> np.ndarray:
    a, s = 1.6732632423543772, 1.0507009873554805
    x = _f(x)
    return (s * np.where(x > 0, x, a * np.expm1(np.minimum(x, 0)))).astype(np.float32)


@_named("softplus")
def softplus(x: Any) -> np.ndarray:
    return np.logaddexp(0, _f(x)).astype(np.float32)


@_named("softsign")
def softsign(x: Any) -> np.ndarray:
    x = _f(x)
    return (x / (1 + np.abs(x))).astype(np.float32)


@_named("exponential")
def exponential(x: Any) -> np.ndarray:
    return np.exp(_f(x))


@_named("hard_sigmoid")
def hard_sigmoid(x: Any) -> np.ndarray:
    """Keras 3's definition: relu6(x + 3) / 6."""
    return (np.clip(_f(x) + 3.0, 0.0, 6.0) / 6.0).astype(np.float32)


@_named("gelu")
def gelu(x: Any, approximate: bool = False) -> np.ndarray:
    x = _f(x).astype(np.float64)
    if approximate:
        y = 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x ** 3)))
    else:
        from math import erf, sqrt
        y = 0.5 * x * (1 + np.vectorize(erf)(x / sqrt(2.0)))
    return np.asarray(y, dtype=np.float32)


@_named("silu")
def silu(x: Any) -> np.ndarray:
    x = _f(x)
    return (x * sigmoid(x)).astype(np.float32)


@_named("swish")
def swish(x: Any) -> np.ndarray:
    return silu(x)


@_named("leaky_relu")
def leaky_relu(x: Any, negative_slope: float = 0.2) -> np.ndarray:
    x = _f(x)
    return np.where(x > 0, x, negative_slope * x).astype(np.float32)


@_named("relu6")
def relu6(x: Any) -> np.ndarray:
    return np.clip(_f(x), 0.0, 6.0)


def get(identifier: Union[str, Callable[..., Any], None]) -> Callable[..., np.ndarray]:
    """``keras.activations.get``: the function for a name (None means linear)."""
    if identifier is None:
        return linear
    if callable(identifier):
        return identifier  # type: ignore[return-value]
    try:
        return _REGISTRY[identifier]
    except KeyError:
        raise ValueError(f"unknown activation '{identifier}'; known: {', '.join(sorted(_REGISTRY))}") from None


def serialize(activation: Callable[..., Any]) -> str:
    name = getattr(activation, "_seqnn_name", None)
    if not name:
        raise ValueError(f"{activation!r} is not a seqnn activation")
    return str(name)


def deserialize(name: str) -> Callable[..., np.ndarray]:
    return get(name)


def names() -> List[str]:
    return sorted(_REGISTRY)
