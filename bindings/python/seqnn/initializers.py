"""``keras.initializers``: the weight initializers SeqNN knows, as Keras 3 classes.

``kernel_initializer="he_normal"`` and ``kernel_initializer=seqnn.initializers.HeNormal(seed=1)`` both
work. The library draws the values (with the model's seeded generator unless ``seed`` is given), so the
same seed gives the same weights from Python and from C.
"""
from __future__ import annotations

from typing import Any, Dict, Optional

import numpy as np

from ._errors import UnsupportedError

__all__ = ["Initializer", "GlorotUniform", "GlorotNormal", "HeUniform", "HeNormal", "LecunUniform",
           "LecunNormal", "VarianceScaling", "RandomUniform", "RandomNormal", "TruncatedNormal", "Zeros",
           "Ones", "Constant", "Orthogonal", "Identity", "get",
           "glorot_uniform", "glorot_normal", "he_uniform", "he_normal", "lecun_uniform", "lecun_normal",
           "random_uniform", "random_normal", "truncated_normal", "zeros", "ones", "constant", "orthogonal",
           "identity", "variance_scaling"]


class Initializer:
    """The base: a Keras class name plus its config (the library does the drawing)."""
    _class_name = "Initializer"

    def get_config(self) -> Dict[str, Any]:
        return {}

    @classmethod
    def from_config(cls, config: Dict[str, Any]) -> "Initializer":
        return cls(**config)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in self.get_config().items())})"


class _Seeded(Initializer):
    def __init__(self, seed: Optional[int] = None) -> None:
        self.seed = seed

    def get_config(self) -> Dict[str, Any]:
        return {"seed": self.seed}


class GlorotUniform(_Seeded):
    _class_name = "GlorotUniform"


class GlorotNormal(_Seeded):
    _class_name = "GlorotNormal"


class HeUniform(_Seeded):
    _class_name = "HeUniform"


class HeNormal(_Seeded):
    _class_name = "HeNormal"


class LecunUniform(_Seeded):
    _class_name = "LecunUniform"


class LecunNormal(_Seeded):
    _class_name = "LecunNormal"


class VarianceScaling(Initializer):
    _class_name = "VarianceScaling"

    def __init__(self, scale: float = 1.0, mode: str = "fan_in", distribution: str = "truncated_normal",
                 seed: Optional[int] = None) -> None:
        self.scale, self.mode, self.distribution, self.seed = scale, mode, distribution, seed

    def get_config(self) -> Dict[str, Any]:
        return {"scale": self.scale, "mode": self.mode, "distribution": self.distribution, "seed": self.seed}


class RandomUniform(Initializer):
    _class_name = "RandomUniform"

    def __init__(self, minval: float = -0.05, maxval: float = 0.05, seed: Optional[int] = None) -> None:
        self.minval, self.maxval, self.seed = minval, maxval, seed

    def get_config(self) -> Dict[str, Any]:
        return {"minval": self.minval, "maxval": self.maxval, "seed": self.seed}


class RandomNormal(Initializer):
    _class_name = "RandomNormal"

    def __init__(self, mean: float = 0.0, stddev: float = 0.05, seed: Optional[int] = None) -> None:
        self.mean, self.stddev, self.seed = mean, stddev, seed

    def get_config(self) -> Dict[str, Any]:
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


class TruncatedNormal(RandomNormal):
    _class_name = "TruncatedNormal"


class Zeros(Initializer):
    _class_name = "Zeros"


class Ones(Initializer):
    _class_name = "Ones"


class Constant(Initializer):
    _class_name = "Constant"

    def __init__(self, value: Any = 0.0) -> None:
        # Keras broadcasts an array value to the weight's shape; a one-element array (the imbalanced-data
        # tutorial's `Constant(np.log([pos / neg]))`) is that number. The library takes one number only.
        values = np.asarray(value, dtype=np.float64)
        if values.size != 1:
            raise UnsupportedError(f"Constant: value must be one number (or a one-element array), found shape "
                                   f"{values.shape}; SeqNN does not broadcast an array of initial values")
        self.value = float(values.reshape(()))

    def get_config(self) -> Dict[str, Any]:
        return {"value": self.value}


class Orthogonal(Initializer):
    _class_name = "Orthogonal"

    def __init__(self, gain: float = 1.0, seed: Optional[int] = None) -> None:
        self.gain, self.seed = gain, seed

    def get_config(self) -> Dict[str, Any]:
        return {"gain": self.gain, "seed": self.seed}


class Identity(Initializer):
    _class_name = "Identity"

    def __init__(self, gain: float = 1.0) -> None:
        self.gain = gain

    def get_config(self) -> Dict[str, Any]:
        return {"gain": self.gain}


glorot_uniform, glorot_normal = GlorotUniform, GlorotNormal
he_uniform, he_normal = HeUniform, HeNormal
lecun_uniform, lecun_normal = LecunUniform, LecunNormal
random_uniform, random_normal, truncated_normal = RandomUniform, RandomNormal, TruncatedNormal
zeros, ones, constant, orthogonal, identity = Zeros, Ones, Constant, Orthogonal, Identity
variance_scaling = VarianceScaling


def get(identifier: Any) -> Any:
    """``keras.initializers.get``: names pass through (the library resolves them), objects stay."""
    return identifier
