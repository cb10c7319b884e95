"""Turning Python arguments (strings, seqnn objects, functions) into the names and Keras JSON configs the C
library takes. Underscored module: not API."""
from __future__ import annotations

import json
import math
from typing import Any, Dict, Optional

import numpy as np


def to_json(value: Any) -> str:
    """JSON text for a config value; numpy scalars and tuples become JSON numbers and lists."""
    return json.dumps(plain(value), allow_nan=False)


def plain(value: Any) -> Any:
    """Converts numpy scalars/arrays and tuples into plain JSON-able Python values, recursively."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return plain(value.tolist())
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return float(value)
    if isinstance(value, (np.bool_,)):
        return bool(value)
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"a config value must be finite, found {value}")
    return value


def serialize(obj: Any, what: str) -> Any:
    """A config argument as C wants it: a name, a ``{"class_name", "config"}`` dict, or None.

    Accepts strings, objects with ``get_config()`` and ``_class_name`` (seqnn optimizers, losses,
    metrics, initializers, regularizers), dicts already in Keras form, and the seqnn functions that
    stand for a Keras name (``seqnn.activations.relu``, ``seqnn.losses.mse``, ...).
    """
    if obj is None or isinstance(obj, str):
        return obj
    if isinstance(obj, dict):
        return plain(obj)
    if hasattr(obj, "_class_name") and hasattr(obj, "get_config"):
        return {"class_name": obj._class_name, "config": plain(obj.get_config())}
    keras_name = getattr(obj, "_seqnn_name", None)
    if keras_name:
        return keras_name
    raise ValueError(
        f"{what}: {obj!r} is not something SeqNN can use; give a Keras name (str), a seqnn object, or a "
        f"Keras config dict")


def activation_name(activation: Any) -> Optional[str]:
    """An activation argument as its Keras name (None stays None = linear)."""
    if activation is None or isinstance(activation, str):
        return activation
    name = getattr(activation, "_seqnn_name", None)
    if name:
        return name
    raise ValueError(
        f"activation {activation!r} is not supported: SeqNN takes activations by Keras name "
        f"('relu', 'softmax', ...) or as seqnn.activations functions; custom Python activations cannot run "
        f"inside the C library")


def drop_none(d: Dict[str, Any]) -> Dict[str, Any]:
    return {k: v for k, v in d.items() if v is not None}
