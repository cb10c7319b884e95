"""``keras.optimizers``: the optimizers SeqNN implements, with Keras 3's argument names and defaults.

``compile(optimizer=...)`` takes a name ("rmsprop", "adam", ...) with Keras 3 defaults or one of these
objects; the object's ``get_config()`` goes to the library as Keras's ``{"class_name", "config"}`` JSON.
The update rules run in the library. Keras 2's ``lr=`` is accepted as ``learning_rate``; Keras 2's
``decay=`` is ignored with a warning, as Keras 3 does. ``learning_rate`` may be a schedule of
``keras.optimizers.schedules`` (``seqnn.schedules``), evaluated by the library before every step. ``use_ema``
and gradient accumulation are not supported.

After ``model.compile(optimizer)``, ``model.optimizer.learning_rate`` is the compiled optimizer's rate in
the library (``seqnn_model_get_learning_rate``), and assigning it (``model.optimizer.learning_rate = 0.01``,
or Keras 2's ``.lr``) changes the model's optimizer keeping its state (``seqnn_model_set_learning_rate``),
as in Keras; from a callback's ``on_epoch_end`` too, which is how ReduceLROnPlateau-style callbacks work.
"""
from __future__ import annotations

import math
import struct
import warnings
import weakref
from typing import TYPE_CHECKING, Any, Dict, Optional, Union

from . import schedules
from .schedules import LearningRateSchedule

if TYPE_CHECKING:
    from .models import Sequential

__all__ = ["Optimizer", "SGD", "RMSprop", "Adagrad", "Adadelta", "Adam", "AdamW", "Adamax", "Nadam", "get",
           "serialize", "deserialize", "schedules"]


class Optimizer:
    """The base: the options every Keras 3 optimizer shares."""

    _class_name = "Optimizer"
    _default_learning_rate = 0.001

    def __init__(self, learning_rate: Optional[float] = None, weight_decay: Optional[float] = None,
                 clipnorm: Optional[float] = None, clipvalue: Optional[float] = None,
                 global_clipnorm: Optional[float] = None, use_ema: bool = False, ema_momentum: float = 0.99,
                 ema_overwrite_frequency: Optional[int] = None, loss_scale_factor: Optional[float] = None,
                 gradient_accumulation_steps: Optional[int] = None, name: Optional[str] = None,
                 **kwargs: Any) -> None:
        if "lr" in kwargs:
            lr = kwargs.pop("lr")
            if learning_rate is None:
                learning_rate = lr
        if "decay" in kwargs:
            if kwargs.pop("decay"):
                warnings.warn("Argument `decay` is no longer supported and will be ignored.", stacklevel=3)
        if kwargs:
            raise TypeError(f"{type(self).__name__}: unexpected keyword arguments {sorted(kwargs)}")
        if learning_rate is None:
            learning_rate = self._default_learning_rate
        # The model this optimizer is compiled into (set by Sequential.compile); weak, so an optimizer kept
        # by the user does not keep a freed model alive.
        self._model_ref: Optional["weakref.ReferenceType[Sequential]"] = None
        if isinstance(learning_rate, dict) and "class_name" in learning_rate:
            learning_rate = schedules.deserialize(learning_rate)
        self._schedule: Optional[LearningRateSchedule] = None
        if isinstance(learning_rate, LearningRateSchedule):
            # A built-in schedule runs in the library; a user's own class runs here, before every training step
            # (models.py sets the library's rate to schedule(iterations), as Keras evaluates it).
            self._schedule = learning_rate
            learning_rate = float(learning_rate(0))
        self._learning_rate = self._checked_learning_rate(learning_rate)
        if clipnorm is not None and global_clipnorm is not None:
            raise ValueError("Only one of `clipnorm` and `global_clipnorm` can be set. "
                             f"Received: clipnorm={clipnorm}, global_clipnorm={global_clipnorm}")
        self.weight_decay = weight_decay
        self.clipnorm = clipnorm
        self.clipvalue = clipvalue
        self.global_clipnorm = global_clipnorm
        self.use_ema = use_ema
        self.ema_momentum = ema_momentum
        self.ema_overwrite_frequency = ema_overwrite_frequency
        self.loss_scale_factor = loss_scale_factor
        self.gradient_accumulation_steps = gradient_accumulation_steps
        self.name = name or self._class_name.lower()

    def _checked_learning_rate(self, value: Any) -> float:
        if callable(value) or isinstance(value, dict):
            raise NotImplementedError(f"{type(self).__name__}: learning_rate must be a number or a schedule of "
                                      f"keras.optimizers.schedules, found {value!r}")
        try:
            lr = float(value)
        except (TypeError, ValueError):
            raise ValueError(f"{type(self).__name__}: learning_rate must be a number, found {value!r}") from None
        if not math.isfinite(lr) or lr < 0:
            raise ValueError(f"{type(self).__name__}: learning_rate must be a non-negative number, found {value}")
        return lr

    def _model(self) -> Optional["Sequential"]:
        return self._model_ref() if self._model_ref is not None else None

    @property
    def learning_rate(self) -> float:
        """Keras's ``optimizer.learning_rate``: once compiled into a model, the library's current value.

        The library keeps it in float32 (as Keras's variable does); when that is the float32 of the value
        set here, the value as given is returned, so ``get_config()`` reads the same before and after
        compile. Before compile (or while the model waits for its input shape) it is the value given."""
        model = self._model()
        value = model._get_learning_rate() if model is not None else None
        if self._schedule is not None:   # Keras 3: schedule(iterations), the rate of the next step
            return value if value is not None else self._learning_rate
        if value is None or _float32(value) == _float32(self._learning_rate):
            return self._learning_rate
        return value

    @learning_rate.setter
    def learning_rate(self, value: Any) -> None:
        if self._schedule is not None:
            raise TypeError("This optimizer was created with a `LearningRateSchedule` object as its `learning_rate` "
                            "constructor argument, hence its learning rate is not settable. If you need the learning "
                            "rate to be settable, you should instantiate the optimizer with a float `learning_rate` "
                            "argument.")
        lr = self._checked_learning_rate(value)
        model = self._model()
        if model is not None:
            model._set_learning_rate(lr)   # raises the library's error (e.g. BusyError) and then keeps the old
        self._learning_rate = lr

    @property
    def lr(self) -> float:
        """Keras 2's name for ``learning_rate``."""
        return self.learning_rate

    @lr.setter
    def lr(self, value: Any) -> None:
        self.learning_rate = value

    def __getstate__(self) -> Dict[str, Any]:
        state = dict(self.__dict__)
        state["_model_ref"] = None   # a weak reference cannot be pickled; a copy is not compiled anywhere
        return state

    def _options(self) -> Dict[str, Any]:
        return {}

    @property
    def _python_schedule(self) -> Optional[LearningRateSchedule]:
        """A schedule of the user's own class, which the library cannot run (None otherwise)."""
        return self._schedule if self._schedule is not None and not schedules.is_built_in(self._schedule) else None

    def _library_config(self) -> Dict[str, Any]:
        """What compile hands the library: get_config(), with a Python schedule's first rate as the number."""
        schedule = self._python_schedule
        if schedule is None:
            return self.get_config()
        self._schedule = None   # get_config() without serializing the Python class (it may lack get_config)
        try:
            cfg = self.get_config()
        finally:
            self._schedule = schedule
        cfg["learning_rate"] = float(schedule(0))
        return cfg

    @property
    def iterations(self) -> int:
        """Keras's ``optimizer.iterations``: training steps taken (restored from files with optimizer state)."""
        model = self._model()
        return model._iterations() if model is not None else 0

    def get_config(self) -> Dict[str, Any]:
        """Keras 3's optimizer ``get_config()``."""
        cfg: Dict[str, Any] = {
            "name": self.name,
            "learning_rate": schedules.serialize(self._schedule) if self._schedule is not None else self.learning_rate,
            "weight_decay": self.weight_decay,
            "clipnorm": self.clipnorm, "global_clipnorm": self.global_clipnorm, "clipvalue": self.clipvalue,
            "use_ema": self.use_ema, "ema_momentum": self.ema_momentum,
            "ema_overwrite_frequency": self.ema_overwrite_frequency, "loss_scale_factor": self.loss_scale_factor,
            "gradient_accumulation_steps": self.gradient_accumulation_steps,
        }
        cfg.update(self._options())
        return cfg

    @classmethod
    def from_config(cls, config: Dict[str, Any]) -> "Optimizer":
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} learning_rate={self.learning_rate}>"


class SGD(Optimizer):
    """Gradient descent with optional (Nesterov) momentum. Defaults: learning_rate=0.01, momentum=0.0."""

    _class_name = "SGD"
    _default_learning_rate = 0.01

    def __init__(self, learning_rate: Optional[float] = None, momentum: float = 0.0, nesterov: bool = False,
                 **kwargs: Any) -> None:
        super().__init__(learning_rate=learning_rate, **kwargs)
        if not 0 <= momentum <= 1:
            raise ValueError("`momentum` must be a float between [0, 1].")
        self.momentum = float(momentum)
        self.nesterov = bool(nesterov)

    def _options(self) -> Dict[str, Any]:
        return {"momentum": self.momentum, "nesterov": self.nesterov}


class RMSprop(Optimizer):
    """RMSprop. Defaults: learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False."""

    _class_name = "RMSprop"

    def __init__(self, learning_rate: Optional[float] = None, rho: float = 0.9, momentum: float = 0.0,
                 epsilon: float = 1e-7, centered: bool = False, **kwargs: Any) -> None:
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.rho, self.momentum = float(rho), float(momentum)
        self.epsilon, self.centered = float(epsilon), bool(centered)

    def _options(self) -> Dict[str, Any]:
        return {"rho": self.rho, "momentum": self.momentum, "epsilon": self.epsilon, "centered": self.centered}


class Adagrad(Optimizer):
    """Adagrad. Defaults: learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7."""

    _class_name = "Adagrad"

    def __init__(self, learning_rate: Optional[float] = None, initial_accumulator_value: float = 0.1,
                 epsilon: float = 1e-7, **kwargs: Any) -> None:
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.initial_accumulator_value, self.epsilon = float(initial_accumulator_value), float(epsilon)

    def _options(self) -> Dict[str, Any]:
        return {"initial_accumulator_value": self.initial_accumulator_value, "epsilon": self.epsilon}


class Adadelta(Optimizer):
    """Adadelta. Defaults: learning_rate=0.001, rho=0.95, epsilon=1e-7."""

    _class_name = "Adadelta"

    def __init__(self, learning_rate: Optional[float] = None, rho: float = 0.95, epsilon: float = 1e-7,
                 **kwargs: Any) -> None:
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.rho, self.epsilon = float(rho), float(epsilon)

    def _options(self) -> Dict[str, Any]:
        return {"rho": self.rho, "epsilon": self.epsilon}


class Adam(Optimizer):
    """Adam. Defaults: learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False."""

    _class_name = "Adam"

    def __init__(self, learning_rate: Optional[float] = None, beta_1: float = 0.9, beta_2: float = 0.999,
                 epsilon: float = 1e-7, amsgrad: bool = False, **kwargs: Any) -> None:
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta_1, self.beta_2 = float(beta_1), float(beta_2)
        self.epsilon, self.amsgrad = float(epsilon), bool(amsgrad)

    def _options(self) -> Dict[str, Any]:
        return {"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon, "amsgrad": self.amsgrad}


class AdamW(Adam):
    """Adam with decoupled weight decay. Defaults as Adam, weight_decay=0.004."""

    _class_name = "AdamW"

    def __init__(self, learning_rate: Optional[float] = None, weight_decay: float = 0.004, beta_1: float = 0.9,
                 beta_2: float = 0.999, epsilon: float = 1e-7, amsgrad: bool = False, **kwargs: Any) -> None:
        super().__init__(learning_rate=learning_rate, beta_1=beta_1, beta_2=beta_2, epsilon=epsilon, amsgrad=amsgrad,
                         weight_decay=weight_decay, **kwargs)


class _Betas(Optimizer):
    def __init__(self, learning_rate: Optional[float] = None, beta_1: float = 0.9, beta_2: float = 0.999,
                 epsilon: float = 1e-7, **kwargs: Any) -> None:
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta_1, self.beta_2, self.epsilon = float(beta_1), float(beta_2), float(epsilon)

    def _options(self) -> Dict[str, Any]:
        return {"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon}


class Adamax(_Betas):
    """Adamax. Defaults: learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7."""

    _class_name = "Adamax"


class Nadam(_Betas):
    """Nadam. Defaults: learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7."""

    _class_name = "Nadam"


def _float32(x: float) -> float:
    """``x`` rounded to float32, the precision the library keeps learning rates in."""
    try:
        return float(struct.unpack("f", struct.pack("f", x))[0])
    except OverflowError:
        return math.inf


_BY_NAME = {c._class_name.lower(): c for c in (SGD, RMSprop, Adagrad, Adadelta, Adam, AdamW, Adamax, Nadam)}


def get(identifier: Union[str, Optimizer, Dict[str, Any]]) -> Optimizer:
    """``keras.optimizers.get``: an optimizer object from a name, a config dict or an object."""
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, str):
        cls = _BY_NAME.get(identifier.lower())
        if cls is None:
            raise ValueError(f"Could not interpret optimizer identifier: {identifier}")
        return cls()
    if isinstance(identifier, dict):
        return deserialize(identifier)
    raise ValueError(f"Could not interpret optimizer identifier: {identifier!r}")


def serialize(optimizer: Optimizer) -> Dict[str, Any]:
    return {"class_name": optimizer._class_name, "config": optimizer.get_config()}


def deserialize(config: Dict[str, Any]) -> Optimizer:
    cls = _BY_NAME.get(str(config.get("class_name", "")).lower())
    if cls is None:
        raise ValueError(f"Could not interpret optimizer config: {config!r}")
    return cls.from_config(dict(config.get("config", {})))
