"""``keras.losses``: the loss functions SeqNN trains with, as Keras 3 classes and functions.

``compile(loss=...)`` takes a Keras name or alias ("categorical_crossentropy", "mse", ...), one of these
classes (``CategoricalCrossentropy(from_logits=True)``) or one of these functions
(``seqnn.losses.mean_squared_error``); all run in the library. The functions and class instances also
compute their value on numpy arrays, as Keras's do, which is handy in custom metrics. Custom Python loss
functions cannot be trained with (the library needs the loss's gradient).
"""
from __future__ import annotations

from typing import Any, Callable, Dict, Optional, Type

import numpy as np

from .ops import Tensor, tensor

__all__ = ["Loss", "MeanSquaredError", "MeanAbsoluteError", "MeanAbsolutePercentageError",
           "MeanSquaredLogarithmicError", "BinaryCrossentropy", "CategoricalCrossentropy",
           "SparseCategoricalCrossentropy", "Hinge", "SquaredHinge", "CategoricalHinge", "KLDivergence", "Poisson",
           "Huber", "LogCosh", "CosineSimilarity",
           "mean_squared_error", "mean_absolute_error", "mean_absolute_percentage_error",
           "mean_squared_logarithmic_error", "binary_crossentropy", "categorical_crossentropy",
           "sparse_categorical_crossentropy", "hinge", "squared_hinge", "categorical_hinge", "kl_divergence",
           "poisson", "huber", "log_cosh", "cosine_similarity", "mse", "mae", "mape", "msle", "kld",
           "kullback_leibler_divergence", "logcosh", "get", "serialize", "deserialize"]

EPSILON = 1e-7


def _named(name: str, metric: Optional[str] = None) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def wrap(fn: Callable[..., Any]) -> Callable[..., Any]:
        fn._seqnn_name = name  # type: ignore[attr-defined]
        if metric:
            fn._seqnn_metric_name = metric  # type: ignore[attr-defined]
        return fn
    return wrap


def _pair(y_true: Any, y_pred: Any) -> "tuple[np.ndarray, np.ndarray]":
    p = np.asarray(y_pred, dtype=np.float64)
    t = np.asarray(y_true, dtype=np.float64)
    if t.shape != p.shape and t.size == p.size:
        t = t.reshape(p.shape)
    return t, p


def _out(x: Any) -> np.ndarray:
    return np.asarray(x, dtype=np.float32)


@_named("mean_squared_error", "mean_squared_error")
def mean_squared_error(y_true: Any, y_pred: Any) -> np.ndarray:
    """mean((y_pred - y_true) ** 2) over the last axis, per sample."""
    t, p = _pair(y_true, y_pred)
    return _out(np.mean(np.square(p - t), axis=-1))


@_named("mean_absolute_error", "mean_absolute_error")
def mean_absolute_error(y_true: Any, y_pred: Any) -> np.ndarray:
    t, p = _pair(y_true, y_pred)
    return _out(np.mean(np.abs(p - t), axis=-1))


@_named("mean_absolute_percentage_error")
def mean_absolute_percentage_error(y_true: Any, y_pred: Any) -> np.ndarray:
    t, p = _pair(y_true, y_pred)
    return _out(100.0 * np.mean(np.abs((t - p) / np.maximum(np.abs(t), EPSILON)), axis=-1))


@_named("mean_squared_logarithmic_error")
def mean_squared_logarithmic_error(y_true: Any, y_pred: Any) -> np.ndarray:
    t, p = _pair(y_true, y_pred)
    a = np.log(np.maximum(p, EPSILON) + 1.0)
    b = np.log(np.maximum(t, EPSILON) + 1.0)
    return _out(np.mean(np.square(a - b), axis=-1))


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def _softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


@_named("binary_crossentropy")
def binary_crossentropy(y_true: Any, y_pred: Any, from_logits: bool = False, label_smoothing: float = 0.0,
                        axis: int = -1) -> np.ndarray:
    t, p = _pair(y_true, y_pred)
    if label_smoothing:
        t = t * (1.0 - label_smoothing) + 0.5 * label_smoothing
    if from_logits:
        p = _sigmoid(p)
    p = np.clip(p, EPSILON, 1.0 - EPSILON)
    return _out(np.mean(-(t * np.log(p) + (1.0 - t) * np.log(1.0 - p)), axis=axis))


@_named("categorical_crossentropy")
def categorical_crossentropy(y_true: Any, y_pred: Any, from_logits: bool = False, label_smoothing: float = 0.0,
                             axis: int = -1) -> np.ndarray:
    t, p = _pair(y_true, y_pred)
    if label_smoothing:
        t = t * (1.0 - label_smoothing) + label_smoothing / t.shape[axis]
    if from_logits:
        p = _softmax(p, axis)
    else:
        p = p / np.sum(p, axis=axis, keepdims=True)
    p = np.clip(p, EPSILON, 1.0 - EPSILON)
    return _out(-np.sum(t * np.log(p), axis=axis))


@_named("sparse_categorical_crossentropy")
def sparse_categorical_crossentropy(y_true: Any, y_pred: Any, from_logits: bool = False,
                                    ignore_class: Optional[int] = None, axis: int = -1) -> np.ndarray:
    p = np.asarray(y_pred, dtype=np.float64)
    t = np.asarray(y_true).reshape(p.shape[:-1]).astype(np.int64)
    if from_logits:
        p = _softmax(p, axis)
    else:
        p = p / np.sum(p, axis=axis, keepdims=True)
    p = np.clip(p, EPSILON, 1.0 - EPSILON)
    picked = np.take_along_axis(p, t[..., None], axis=-1)[..., 0]
    out = -np.log(picked)
    if ignore_class is not None:
        out = np.where(t == ignore_class, 0.0, out)
    return _out(out)


def _signed(t: np.ndarray) -> np.ndarray:
    return np.where(np.isin(t, (0.0, 1.0)).all(), 2.0 * t - 1.0, t) if t.size else t


@_named("hinge")
def hinge(y_true: Any, y_pred: Any) -> np.ndarray:
    t, p = _pair(y_true, y_pred)
    return _out(np.mean(np.maximum(1.0 - _signed(t) * p, 0.0), axis=-1))


@_named("squared_hinge")
def squared_hinge(y_true: Any, y_pred: Any) -> np.ndarray:
    t, p = _pair(y_true, y_pred)
    return _out(np.mean(np.square(np.maximum(1.0 - _signed(t) * p, 0.0)), axis=-1))


@_named("categorical_hinge")
def categorical_hinge(y_true: Any, y_pred: Any) -> np.ndarray:
    t, p = _pair(y_true, y_pred)
    pos = np.sum(t * p, axis=-1)
    neg = np.max((1.0 - t) * p, axis=-1)
    return _out(np.maximum(neg - pos + 1.0, 0.0))


@_named("kl_divergence")
def kl_divergence(y_true: Any, y_pred: Any) -> np.ndarray:
    t, p = _pair(y_true, y_pred)
    t = np.clip(t, EPSILON, 1.0)
    p = np.clip(p, EPSILON, 1.0)
    return _out(np.sum(t * np.log(t / p), axis=-1))


@_named("poisson")
def poisson(y_true: Any, y_pred: Any) -> np.ndarray:
    t, p = _pair(y_true, y_pred)
    return _out(np.mean(p - t * np.log(p + EPSILON), axis=-1))


@_named("huber")
def huber(y_true: Any, y_pred: Any, delta: float = 1.0) -> np.ndarray:
    t, p = _pair(y_true, y_pred)
    e = np.abs(p - t)
    return _out(np.mean(np.where(e <= delta, 0.5 * e * e, delta * e - 0.5 * delta * delta), axis=-1))


@_named("log_cosh")
def log_cosh(y_true: Any, y_pred: Any) -> np.ndarray:
    t, p = _pair(y_true, y_pred)
    x = p - t
    return _out(np.mean(x + np.logaddexp(0.0, -2.0 * x) - np.log(2.0), axis=-1))


@_named("cosine_similarity")
def cosine_similarity(y_true: Any, y_pred: Any, axis: int = -1) -> np.ndarray:
    t, p = _pair(y_true, y_pred)
    tn = t / np.maximum(np.linalg.norm(t, axis=axis, keepdims=True), 1e-12)
    pn = p / np.maximum(np.linalg.norm(p, axis=axis, keepdims=True), 1e-12)
    return _out(-np.sum(tn * pn, axis=axis))


# Keras's aliases (the same functions, so they resolve to the same names).
mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error
kld = KLD = kullback_leibler_divergence = kl_divergence
logcosh = log_cosh


class Loss:
    """The base of the loss classes: Keras's ``name`` and ``reduction`` plus the class's own options.

    Only ``reduction="sum_over_batch_size"`` (Keras's default) is supported by the library.
    """

    _class_name = "Loss"
    _default_name = "loss"
    _fn: Callable[..., np.ndarray] = staticmethod(mean_squared_error)

    def __init__(self, name: Optional[str] = None, reduction: str = "sum_over_batch_size", dtype: Any = None) -> None:
        self.name = name or self._default_name
        self.reduction = reduction

    def _options(self) -> Dict[str, Any]:
        return {}

    def _unsupported(self) -> Optional[str]:
        """Why the library cannot train with this configuration, or None."""
        return None

    def get_config(self) -> Dict[str, Any]:
        cfg: Dict[str, Any] = {"name": self.name, "reduction": self.reduction}
        cfg.update(self._options())
        return cfg

    @classmethod
    def from_config(cls, config: Dict[str, Any]) -> "Loss":
        return cls(**config)

    def call(self, y_true: Any, y_pred: Any) -> np.ndarray:
        """Per-sample values."""
        return type(self)._fn(y_true, y_pred, **self._options())

    def __call__(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> Tensor:
        """The reduced loss: sum(w * loss) / number of values (Keras's sum_over_batch_size), as an
        ``ops.Tensor``: 0-d, or per sample for reduction "none" (Keras returns a tensor: tutorials write ``loss_fn(y, p).numpy()``)."""
        return tensor(self._reduced(y_true, y_pred, sample_weight))

    def _reduced(self, y_true: Any, y_pred: Any, sample_weight: Any) -> Any:
        values = np.asarray(self.call(y_true, y_pred), dtype=np.float64)
        if sample_weight is not None:
            values = values * np.broadcast_to(np.asarray(sample_weight, dtype=np.float64).reshape(
                values.shape[:1] + (1,) * (values.ndim - 1)), values.shape)
        if self.reduction in ("sum_over_batch_size", "auto"):
            return np.float32(np.sum(values) / max(values.size, 1))
        if self.reduction == "sum":
            return np.float32(np.sum(values))
        if self.reduction in ("none", None):
            return values.astype(np.float32)  # type: ignore[return-value]
        raise ValueError(f"unknown reduction {self.reduction!r}")

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}>"


def _loss_class(cls_name: str, default_name: str, fn: Callable[..., np.ndarray], doc: str) -> Type[Loss]:
    return type(cls_name, (Loss,), {"_class_name": cls_name, "_default_name": default_name,
                                    "_fn": staticmethod(fn), "__doc__": doc})


MeanSquaredError = _loss_class("MeanSquaredError", "mean_squared_error", mean_squared_error,
                               "mean((y_pred - y_true) ** 2) over the last axis.")
MeanAbsoluteError = _loss_class("MeanAbsoluteError", "mean_absolute_error", mean_absolute_error,
                                "mean(|y_pred - y_true|) over the last axis.")
MeanAbsolutePercentageError = _loss_class("MeanAbsolutePercentageError", "mean_absolute_percentage_error",
                                          mean_absolute_percentage_error, "100 * mean(|(y_true - y_pred) / y_true|).")
MeanSquaredLogarithmicError = _loss_class("MeanSquaredLogarithmicError", "mean_squared_logarithmic_error",
                                          mean_squared_logarithmic_error,
                                          "mean((log(y_pred + 1) - log(y_true + 1)) ** 2).")
Hinge = _loss_class("Hinge", "hinge", hinge, "mean(max(1 - y_true * y_pred, 0)); 0/1 labels become -1/1.")
SquaredHinge = _loss_class("SquaredHinge", "squared_hinge", squared_hinge, "mean(max(1 - y_true * y_pred, 0) ** 2).")
CategoricalHinge = _loss_class("CategoricalHinge", "categorical_hinge", categorical_hinge, "max(neg - pos + 1, 0).")
KLDivergence = _loss_class("KLDivergence", "kl_divergence", kl_divergence, "sum(y_true * log(y_true / y_pred)).")
Poisson = _loss_class("Poisson", "poisson", poisson, "mean(y_pred - y_true * log(y_pred)).")
LogCosh = _loss_class("LogCosh", "log_cosh", log_cosh, "mean(log(cosh(y_pred - y_true))).")


class BinaryCrossentropy(Loss):
    """Binary crossentropy; ``from_logits`` (default False), ``label_smoothing`` (default 0.0)."""
    _class_name = "BinaryCrossentropy"
    _default_name = "binary_crossentropy"
    _fn = staticmethod(binary_crossentropy)

    def __init__(self, from_logits: bool = False, label_smoothing: float = 0.0, axis: int = -1,
                 reduction: str = "sum_over_batch_size", name: Optional[str] = None, dtype: Any = None) -> None:
        super().__init__(name=name, reduction=reduction)
        self.from_logits, self.label_smoothing, self.axis = bool(from_logits), float(label_smoothing), axis

    def _options(self) -> Dict[str, Any]:
        return {"from_logits": self.from_logits, "label_smoothing": self.label_smoothing, "axis": self.axis}

    def _unsupported(self) -> Optional[str]:
        return None if self.axis in (-1, None) else f"{self._class_name}(axis={self.axis}): only axis=-1 is supported"


class CategoricalCrossentropy(BinaryCrossentropy):
    """Categorical crossentropy over one-hot targets; ``from_logits``, ``label_smoothing``."""
    _class_name = "CategoricalCrossentropy"
    _default_name = "categorical_crossentropy"
    _fn = staticmethod(categorical_crossentropy)


class SparseCategoricalCrossentropy(Loss):
    """Crossentropy over integer class labels; ``from_logits`` (default False). ``ignore_class`` is not
    supported by the library."""
    _class_name = "SparseCategoricalCrossentropy"
    _default_name = "sparse_categorical_crossentropy"
    _fn = staticmethod(sparse_categorical_crossentropy)

    def __init__(self, from_logits: bool = False, ignore_class: Optional[int] = None,
                 reduction: str = "sum_over_batch_size", name: Optional[str] = None, dtype: Any = None) -> None:
        super().__init__(name=name, reduction=reduction)
        self.from_logits, self.ignore_class = bool(from_logits), ignore_class

    def _options(self) -> Dict[str, Any]:
        opts: Dict[str, Any] = {"from_logits": self.from_logits}
        if self.ignore_class is not None:
            opts["ignore_class"] = self.ignore_class
        return opts

    def _unsupported(self) -> Optional[str]:
        return None if self.ignore_class is None else "SparseCategoricalCrossentropy(ignore_class=...) is not supported"


class Huber(Loss):
    """Huber loss with threshold ``delta`` (default 1.0)."""
    _class_name = "Huber"
    _default_name = "huber_loss"
    _fn = staticmethod(huber)

    def __init__(self, delta: float = 1.0, reduction: str = "sum_over_batch_size", name: Optional[str] = None,
                 dtype: Any = None) -> None:
        super().__init__(name=name, reduction=reduction)
        self.delta = float(delta)

    def _options(self) -> Dict[str, Any]:
        return {"delta": self.delta}


class CosineSimilarity(Loss):
    """-cosine similarity over the last axis."""
    _class_name = "CosineSimilarity"
    _default_name = "cosine_similarity"
    _fn = staticmethod(cosine_similarity)

    def __init__(self, axis: int = -1, reduction: str = "sum_over_batch_size", name: Optional[str] = None,
                 dtype: Any = None) -> None:
        super().__init__(name=name, reduction=reduction)
        self.axis = axis

    def _options(self) -> Dict[str, Any]:
        return {"axis": self.axis}

    def _unsupported(self) -> Optional[str]:
        return None if self.axis in (-1, None) else f"CosineSimilarity(axis={self.axis}): only axis=-1 is supported"


_CLASSES: Dict[str, Type[Loss]] = {
    c._class_name: c for c in (MeanSquaredError, MeanAbsoluteError, MeanAbsolutePercentageError,
                               MeanSquaredLogarithmicError, BinaryCrossentropy, CategoricalCrossentropy,
                               SparseCategoricalCrossentropy, Hinge, SquaredHinge, CategoricalHinge, KLDivergence,
                               Poisson, Huber, LogCosh, CosineSimilarity)}


def get(identifier: Any) -> Any:
    """``keras.losses.get``: names and objects pass through (the library resolves names)."""
    if isinstance(identifier, dict):
        return deserialize(identifier)
    return identifier


def serialize(loss: Loss) -> Dict[str, Any]:
    return {"class_name": loss._class_name, "config": loss.get_config()}


def deserialize(config: Dict[str, Any]) -> Loss:
    cls = _CLASSES.get(config.get("class_name", ""))
    if cls is None:
        raise ValueError(f"Could not interpret loss config: {config!r}")
    return cls.from_config(dict(config.get("config", {})))
