"""``keras.optimizers.schedules``: learning rates that change with the optimizer's step.

Give one as an optimizer's ``learning_rate`` (``SGD(learning_rate=ExponentialDecay(0.1, 1000, 0.96))``): its
config goes to the library inside the optimizer config, and the library evaluates it before every training
step at the optimizer's iteration count, in float32, as Keras does. Calling a schedule (``schedule(step)``)
computes the same value here with numpy. ``serialize`` / ``deserialize`` use Keras 3's form
(``{"module", "class_name", "config", "registered_name"}``), which both Keras generations read.

The built-in classes run in the library. A subclass of ``LearningRateSchedule`` with its own ``__call__``
runs in Python: before every training step the binding sets the library's rate to ``schedule(iterations)``
(one Python call per batch); a model saved with it stores the rate of that moment as a number.
"""
from __future__ import annotations

import math
from typing import Any, Dict, List, Optional, Sequence

import numpy as np

__all__ = ["LearningRateSchedule", "ExponentialDecay", "InverseTimeDecay", "PiecewiseConstantDecay",
           "PolynomialDecay", "CosineDecay", "CosineDecayRestarts", "serialize", "deserialize"]

_f32 = np.float32


class LearningRateSchedule:
    """The base: ``__call__(step)`` gives the learning rate for a step; ``get_config()`` its arguments."""

    def __call__(self, step: Any) -> Any:
        raise NotImplementedError(f"Learning rate schedule '{type(self).__name__}' must override `__call__(self, step)`.")

    def get_config(self) -> Dict[str, Any]:
        raise NotImplementedError(f"Learning rate schedule '{type(self).__name__}' must override `get_config()` in "
                                  f"order to be serializable.")

    @classmethod
    def from_config(cls, config: Dict[str, Any]) -> "LearningRateSchedule":
        return cls(**config)

    def __repr__(self) -> str:
        try:
            args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        except NotImplementedError:
            args = "..."
        return f"{type(self).__name__}({args})"


def _positive_steps(value: Any, name: str = "decay_steps") -> Any:
    if value <= 0:
        raise ValueError(f"Argument `{name}` must be > 0. Received: {name}={value}")
    return value


_CLASS_NAME: Any = object()   # "name not given": the class's own name, as Keras 3's defaults are


class _RateDecay(LearningRateSchedule):
    """What ExponentialDecay and InverseTimeDecay share: their four arguments (``name`` defaults to the class
    name, as in Keras 3) and ``step / decay_steps``, floored when ``staircase``, in float32."""

    def __init__(self, initial_learning_rate: float, decay_steps: int, decay_rate: float, staircase: bool = False,
                 name: Optional[str] = _CLASS_NAME) -> None:
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = _positive_steps(decay_steps)
        self.decay_rate = decay_rate
        self.staircase = staircase
        self.name = type(self).__name__ if name is _CLASS_NAME else name   # Keras 2 configs carry name None: kept

    def _progress(self, step: Any) -> np.float32:
        p = _f32(step) / _f32(self.decay_steps)
        return np.floor(p) if self.staircase else p

    def get_config(self) -> Dict[str, Any]:
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "decay_rate": self.decay_rate, "staircase": self.staircase, "name": self.name}


class ExponentialDecay(_RateDecay):
    """``initial_learning_rate * decay_rate ** (step / decay_steps)``; the exponent floored when ``staircase``."""

    def __call__(self, step: Any) -> np.float32:
        return _f32(self.initial_learning_rate) * np.power(_f32(self.decay_rate), self._progress(step))


class InverseTimeDecay(_RateDecay):
    """``initial_learning_rate / (1 + decay_rate * step / decay_steps)``; the quotient floored when ``staircase``."""

    def __call__(self, step: Any) -> np.float32:
        return _f32(self.initial_learning_rate) / (_f32(1) + _f32(self.decay_rate) * self._progress(step))


class PiecewiseConstantDecay(LearningRateSchedule):
    """``values[0]`` while ``step <= boundaries[0]``, ``values[i]`` while ``boundaries[i-1] < step <= boundaries[i]``,
    ``values[-1]`` after the last boundary."""

    def __init__(self, boundaries: Sequence[int], values: Sequence[float], name: str = "PiecewiseConstant") -> None:
        if len(boundaries) != len(values) - 1:
            raise ValueError(f"The length of boundaries should be 1 less than the length of values. Received: "
                             f"boundaries={boundaries} of length {len(boundaries)}, and values={values} of length "
                             f"{len(values)}.")
        self.boundaries = list(boundaries)
        self.values = list(values)
        self.name = name

    def __call__(self, step: Any) -> np.float32:
        s = int(step)
        for b, v in zip(self.boundaries, self.values):
            if s <= int(b):
                return _f32(v)
        return _f32(self.values[-1])

    def get_config(self) -> Dict[str, Any]:
        return {"boundaries": self.boundaries, "values": self.values, "name": self.name}


class PolynomialDecay(LearningRateSchedule):
    """``(initial - end) * (1 - step / decay_steps) ** power + end``, the step capped at ``decay_steps`` or, with
    ``cycle``, ``decay_steps`` stretched to the first multiple of itself not below the step."""

    def __init__(self, initial_learning_rate: float, decay_steps: int, end_learning_rate: float = 0.0001,
                 power: float = 1.0, cycle: bool = False, name: str = "PolynomialDecay") -> None:
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = _positive_steps(decay_steps)
        self.end_learning_rate = end_learning_rate
        self.power = power
        self.cycle = cycle
        self.name = name

    def __call__(self, step: Any) -> np.float32:
        s, d = _f32(step), _f32(self.decay_steps)
        if self.cycle:
            d = d * (_f32(1) if s == 0 else np.ceil(s / d))
        else:
            s = min(s, d)
        lr0, end = _f32(self.initial_learning_rate), _f32(self.end_learning_rate)
        return (lr0 - end) * np.power(_f32(1) - s / d, _f32(self.power)) + end

    def get_config(self) -> Dict[str, Any]:
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "end_learning_rate": self.end_learning_rate, "power": self.power, "cycle": self.cycle,
                "name": self.name}


class CosineDecay(LearningRateSchedule):
    """Cosine decay from ``initial_learning_rate`` to ``alpha`` times it over ``decay_steps``; with
    ``warmup_target``, first a linear warmup to it over ``warmup_steps``, then the decay from it."""

    def __init__(self, initial_learning_rate: float, decay_steps: int, alpha: float = 0.0, name: str = "CosineDecay",
                 warmup_target: Optional[float] = None, warmup_steps: int = 0) -> None:
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = _positive_steps(decay_steps)
        self.alpha = alpha
        self.name = name
        self.warmup_steps = warmup_steps
        self.warmup_target = warmup_target

    def _decayed(self, s: np.float32, lr: np.float32) -> np.float32:
        cosine = _f32(0.5) * (_f32(1) + np.cos(_f32(math.pi) * (s / _f32(self.decay_steps))))
        return lr * (_f32(1 - self.alpha) * cosine + _f32(self.alpha))

    def __call__(self, step: Any) -> np.float32:
        lr0, d = _f32(self.initial_learning_rate), _f32(self.decay_steps)
        if self.warmup_target is None:
            return self._decayed(min(_f32(step), d), lr0)
        target, w = _f32(self.warmup_target), _f32(self.warmup_steps)
        s = min(_f32(step), d + w)
        if s < w:
            return (target - lr0) * (s / w) + lr0
        return self._decayed(s - w, target)

    def get_config(self) -> Dict[str, Any]:
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "alpha": self.alpha, "name": self.name, "warmup_target": self.warmup_target,
                "warmup_steps": self.warmup_steps}


class CosineDecayRestarts(LearningRateSchedule):
    """Cosine decay with warm restarts (SGDR): period i lasts ``first_decay_steps * t_mul**i`` steps and starts at
    ``m_mul**i`` times ``initial_learning_rate``."""

    def __init__(self, initial_learning_rate: float, first_decay_steps: int, t_mul: float = 2.0, m_mul: float = 1.0,
                 alpha: float = 0.0, name: str = "SGDRDecay") -> None:
        self.initial_learning_rate = initial_learning_rate
        self.first_decay_steps = _positive_steps(first_decay_steps, "first_decay_steps")
        self.t_mul = t_mul
        self.m_mul = m_mul
        self.alpha = alpha
        self.name = name

    def __call__(self, step: Any) -> np.float32:
        f = _f32(step) / _f32(self.first_decay_steps)
        t = _f32(self.t_mul)
        if t == 1:
            i = np.floor(f)
            f = f - i
        else:
            i = np.floor(np.log(_f32(1) - f * (_f32(1) - t)) / np.log(t))
            f = (f - (_f32(1) - np.power(t, i)) / (_f32(1) - t)) / np.power(t, i)
        cosine = _f32(0.5) * np.power(_f32(self.m_mul), i) * (_f32(1) + np.cos(_f32(math.pi) * f))
        alpha = _f32(self.alpha)
        return _f32(self.initial_learning_rate) * ((_f32(1) - alpha) * cosine + alpha)

    def get_config(self) -> Dict[str, Any]:
        return {"initial_learning_rate": self.initial_learning_rate, "first_decay_steps": self.first_decay_steps,
                "t_mul": self.t_mul, "m_mul": self.m_mul, "alpha": self.alpha, "name": self.name}


_BUILT_IN: List[type] = [ExponentialDecay, InverseTimeDecay, PiecewiseConstantDecay, PolynomialDecay, CosineDecay,
                         CosineDecayRestarts]
_BY_NAME = {c.__name__: c for c in _BUILT_IN}


def is_built_in(schedule: Any) -> bool:
    """Whether the library can run this schedule (one of the classes above, not a subclass with its own rule)."""
    return type(schedule) in _BUILT_IN


def serialize(schedule: LearningRateSchedule) -> Dict[str, Any]:
    """Keras 3's serialized form, as it appears inside an optimizer config."""
    return {"module": "keras.optimizers.schedules", "class_name": type(schedule).__name__,
            "config": schedule.get_config(), "registered_name": None}


def deserialize(config: Dict[str, Any], custom_objects: Optional[Dict[str, Any]] = None) -> LearningRateSchedule:
    """A schedule from ``serialize``'s form or Keras 2's ``{"class_name", "config"}``."""
    name = config.get("class_name") if isinstance(config, dict) else None
    cls = (custom_objects or {}).get(name) or _BY_NAME.get(name)
    if cls is None:
        raise ValueError(f"Unknown learning rate schedule: '{name}'. Known: {', '.join(_BY_NAME)}")
    return cls.from_config(dict(config.get("config") or {}))
