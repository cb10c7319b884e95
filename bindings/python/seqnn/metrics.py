"""``keras.metrics``: the metrics the library computes, and Python functions as custom metrics.

``compile(metrics=[...])`` takes names ("accuracy", "mae", ...), the classes and functions below
(computed in the library), and any Python function ``fn(y_true, y_pred)`` returning a number or an
array (a custom metric such as the tutorial's ``mean_pred``): the library calls it once per batch with
numpy arrays and averages its mean over the batches of an epoch, reported under ``fn.__name__``.
Such a function is registered with the model through ``seqnn_model_add_metric``; once registered it
stays with the model (the C API cannot remove a metric).

The classes and functions here also work on numpy arrays on their own (``update_state``, ``result``,
``reset_state``), as Keras's do.
"""
from __future__ import annotations

from typing import Any, Callable, Dict, Optional

import numpy as np

from .losses import (binary_crossentropy, categorical_crossentropy, categorical_hinge, cosine_similarity, hinge,
                     huber, kl_divergence, kld, log_cosh, logcosh, mae, mape, mean_absolute_error,
                     mean_absolute_percentage_error, mean_squared_error, mean_squared_logarithmic_error, mse, msle,
                     poisson, sparse_categorical_crossentropy, squared_hinge)

__all__ = ["Metric", "MeanMetricWrapper", "BinaryAccuracy", "CategoricalAccuracy", "SparseCategoricalAccuracy",
           "TopKCategoricalAccuracy", "MeanSquaredError", "MeanAbsoluteError",
           "binary_accuracy", "categorical_accuracy", "sparse_categorical_accuracy", "top_k_categorical_accuracy",
           "mean_squared_error", "mean_absolute_error", "mse", "mae", "get", "serialize", "deserialize",
           # loss functions Keras also exports from keras.metrics (run as Python metrics)
           "binary_crossentropy", "categorical_crossentropy", "sparse_categorical_crossentropy", "hinge",
           "squared_hinge", "categorical_hinge", "kl_divergence", "kld", "poisson", "huber", "log_cosh", "logcosh",
           "cosine_similarity", "mean_absolute_percentage_error", "mean_squared_logarithmic_error", "mape", "msle"]


def _metric(name: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def wrap(fn: Callable[..., Any]) -> Callable[..., Any]:
        fn._seqnn_metric_name = name  # type: ignore[attr-defined]
        return fn
    return wrap


@_metric("binary_accuracy")
def binary_accuracy(y_true: Any, y_pred: Any, threshold: float = 0.5) -> np.ndarray:
    p = np.asarray(y_pred, dtype=np.float32)
    t = np.asarray(y_true, dtype=np.float32).reshape(p.shape)
    return np.mean((p > threshold).astype(np.float32) == t, axis=-1).astype(np.float32)


@_metric("categorical_accuracy")
def categorical_accuracy(y_true: Any, y_pred: Any) -> np.ndarray:
    p = np.asarray(y_pred)
    t = np.asarray(y_true)
    return (np.argmax(t, axis=-1) == np.argmax(p, axis=-1)).astype(np.float32)


@_metric("sparse_categorical_accuracy")
def sparse_categorical_accuracy(y_true: Any, y_pred: Any) -> np.ndarray:
    p = np.asarray(y_pred)
    t = np.asarray(y_true).reshape(p.shape[:-1])
    return (t.astype(np.int64) == np.argmax(p, axis=-1)).astype(np.float32)


@_metric("top_k_categorical_accuracy")
def top_k_categorical_accuracy(y_true: Any, y_pred: Any, k: int = 5) -> np.ndarray:
    p = np.asarray(y_pred, dtype=np.float32)
    t = np.argmax(np.asarray(y_true), axis=-1)
    target = np.take_along_axis(p, t[..., None], axis=-1)
    # in the top k: fewer than k values are strictly larger (TensorFlow's in_top_k)
    return (np.sum(p > target, axis=-1) < k).astype(np.float32)


class Metric:
    """A streaming metric: ``update_state(y_true, y_pred)``, ``result()``, ``reset_state()``.

    The library computes these during fit/evaluate; in Python they average over samples like Keras.
    """

    _class_name = "Metric"
    _default_name = "metric"

    def __init__(self, name: Optional[str] = None, dtype: Any = None) -> None:
        self.name = name or self._default_name
        self.reset_state()

    def _values(self, y_true: Any, y_pred: Any) -> np.ndarray:
        raise NotImplementedError

    def _options(self) -> Dict[str, Any]:
        return {}

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        v = np.asarray(self._values(y_true, y_pred), dtype=np.float64).reshape(-1)
        if sample_weight is None:
            self._total += float(np.sum(v))
            self._count += v.size
        else:
            w = np.broadcast_to(np.asarray(sample_weight, dtype=np.float64).reshape(-1), v.shape)
            self._total += float(np.sum(v * w))
            self._count += float(np.sum(w))

    def result(self) -> np.float32:
        return np.float32(self._total / self._count if self._count else 0.0)

    def reset_state(self) -> None:
        self._total = 0.0
        self._count = 0.0

    def get_config(self) -> Dict[str, Any]:
        cfg: Dict[str, Any] = {"name": self.name, "dtype": "float32"}
        cfg.update(self._options())
        return cfg

    @classmethod
    def from_config(cls, config: Dict[str, Any]) -> "Metric":
        return cls(**config)

    def __call__(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> np.float32:
        self.update_state(y_true, y_pred, sample_weight)
        return self.result()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}>"


class MeanMetricWrapper(Metric):
    """Wraps a Python function ``fn(y_true, y_pred, **kwargs)`` as a metric named ``name`` (default
    ``fn.__name__``). In ``compile`` it runs as a custom metric called from the library."""

    _class_name = "MeanMetricWrapper"

    def __init__(self, fn: Callable[..., Any], name: Optional[str] = None, dtype: Any = None, **kwargs: Any) -> None:
        self._fn = fn
        self._fn_kwargs = kwargs
        super().__init__(name=name or getattr(fn, "__name__", "metric"))

    def _values(self, y_true: Any, y_pred: Any) -> np.ndarray:
        return np.asarray(self._fn(y_true, y_pred, **self._fn_kwargs))


class _FnMetric(Metric):
    _fn: Callable[..., np.ndarray] = staticmethod(binary_accuracy)

    def _values(self, y_true: Any, y_pred: Any) -> np.ndarray:
        return type(self)._fn(y_true, y_pred, **self._options())


class BinaryAccuracy(_FnMetric):
    """How often ``y_pred > threshold`` equals the 0/1 ``y_true``; ``threshold`` default 0.5."""
    _class_name = "BinaryAccuracy"
    _default_name = "binary_accuracy"
    _fn = staticmethod(binary_accuracy)

    def __init__(self, name: Optional[str] = None, dtype: Any = None, threshold: float = 0.5) -> None:
        self.threshold = float(threshold)
        super().__init__(name=name, dtype=dtype)

    def _options(self) -> Dict[str, Any]:
        return {"threshold": self.threshold}


class CategoricalAccuracy(_FnMetric):
    """How often argmax(y_pred) equals argmax of the one-hot ``y_true``."""
    _class_name = "CategoricalAccuracy"
    _default_name = "categorical_accuracy"
    _fn = staticmethod(categorical_accuracy)


class SparseCategoricalAccuracy(_FnMetric):
    """How often argmax(y_pred) equals the integer label ``y_true``."""
    _class_name = "SparseCategoricalAccuracy"
    _default_name = "sparse_categorical_accuracy"
    _fn = staticmethod(sparse_categorical_accuracy)


class TopKCategoricalAccuracy(_FnMetric):
    """How often the one-hot target is among the ``k`` (default 5) largest predictions."""
    _class_name = "TopKCategoricalAccuracy"
    _default_name = "top_k_categorical_accuracy"
    _fn = staticmethod(top_k_categorical_accuracy)

    def __init__(self, k: int = 5, name: Optional[str] = None, dtype: Any = None) -> None:
        self.k = int(k)
        super().__init__(name=name, dtype=dtype)

    def _options(self) -> Dict[str, Any]:
        return {"k": self.k}


class MeanSquaredError(_FnMetric):
    """Mean squared error as a metric."""
    _class_name = "MeanSquaredError"
    _default_name = "mean_squared_error"
    _fn = staticmethod(mean_squared_error)


class MeanAbsoluteError(_FnMetric):
    """Mean absolute error as a metric."""
    _class_name = "MeanAbsoluteError"
    _default_name = "mean_absolute_error"
    _fn = staticmethod(mean_absolute_error)


_CLASSES = {c._class_name: c for c in (BinaryAccuracy, CategoricalAccuracy, SparseCategoricalAccuracy,
                                       TopKCategoricalAccuracy, MeanSquaredError, MeanAbsoluteError)}


def get(identifier: Any) -> Any:
    """``keras.metrics.get``: names, objects and functions pass through."""
    if isinstance(identifier, dict):
        return deserialize(identifier)
    return identifier


def serialize(metric: Metric) -> Dict[str, Any]:
    return {"class_name": metric._class_name, "config": metric.get_config()}


def deserialize(config: Dict[str, Any]) -> Metric:
    cls = _CLASSES.get(config.get("class_name", ""))
    if cls is None:
        raise ValueError(f"Could not interpret metric config: {config!r}")
    cfg = dict(config.get("config", {}))
    cfg.pop("dtype", None)
    return cls(**cfg)
