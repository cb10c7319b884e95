"""``keras.callbacks``: hooks into ``fit`` with Keras's names.

The library calls back once per epoch (``seqnn_epoch_fn``), so these hooks run: ``on_train_begin``,
``on_epoch_begin``, ``on_epoch_end`` (with the epoch's logs: loss, metrics, val_loss, ...),
``on_train_end``, and around ``evaluate``/``predict`` their ``on_test_*``/``on_predict_*`` begin and end.
Batch-level hooks run as in Keras 3 when a callback overrides one (``seqnn_batch_hook_fn``; without one no
Python code runs per batch): ``on_train_batch_begin(batch)`` / ``on_train_batch_end(batch, logs)`` with the
epoch's running loss and metrics (Keras 2's ``on_batch_begin/end`` are what the default train hooks call),
``on_test_batch_*`` in ``evaluate`` and fit's validation, ``on_predict_batch_end(batch, {"outputs": ...})``.
Setting ``self.model.stop_training = True`` in a train batch hook stops after that batch.

Inside ``on_epoch_end`` the model may be read - ``predict``, ``get_weights``, ``save``, ``summary`` - as
ModelCheckpoint does; calls that change it (``set_weights``, ``compile``, ``fit``, and ``evaluate``, which
updates the metric state) raise ``seqnn.BusyError`` there. Set ``self.model.stop_training = True`` to stop after this
epoch. An exception raised in a callback stops training and is re-raised from ``fit``.
"""
from __future__ import annotations

import csv
import math
import os
import sys
import warnings
from typing import TYPE_CHECKING, Any, Callable, Dict, Iterable, List, Optional

import numpy as np

if TYPE_CHECKING:
    from .models import Sequential

__all__ = ["Callback", "CallbackList", "History", "EarlyStopping", "ModelCheckpoint", "LambdaCallback",
           "CSVLogger", "TerminateOnNaN", "RemoteMonitor", "LearningRateScheduler", "ReduceLROnPlateau"]

Logs = Dict[str, float]

_BATCH_HOOKS = ("on_batch_begin", "on_batch_end", "on_train_batch_begin", "on_train_batch_end",
                "on_test_batch_begin", "on_test_batch_end", "on_predict_batch_begin", "on_predict_batch_end")


class Callback:
    """The base class: override the hooks you need. ``self.model`` and ``self.params`` are set by fit."""

    def __init__(self) -> None:
        self.validation_data = None
        self._model: Optional["Sequential"] = None
        self.params: Dict[str, Any] = {}

    @property
    def model(self) -> "Sequential":
        if self._model is None:
            raise AttributeError("this callback is not attached to a model yet")
        return self._model

    @model.setter
    def model(self, model: "Sequential") -> None:
        self._model = model

    def set_model(self, model: "Sequential") -> None:
        self._model = model

    def set_params(self, params: Dict[str, Any]) -> None:
        self.params = params

    def on_train_begin(self, logs: Optional[Logs] = None) -> None: ...
    def on_train_end(self, logs: Optional[Logs] = None) -> None: ...
    def on_epoch_begin(self, epoch: int, logs: Optional[Logs] = None) -> None: ...
    def on_epoch_end(self, epoch: int, logs: Optional[Logs] = None) -> None: ...
    def on_test_begin(self, logs: Optional[Logs] = None) -> None: ...
    def on_test_end(self, logs: Optional[Logs] = None) -> None: ...
    def on_predict_begin(self, logs: Optional[Logs] = None) -> None: ...
    def on_predict_end(self, logs: Optional[Logs] = None) -> None: ...
    # Batch hooks (see the module docstring). As in Keras 3, the train hooks call Keras 2's on_batch_* names.
    def on_batch_begin(self, batch: int, logs: Optional[Logs] = None) -> None: ...
    def on_batch_end(self, batch: int, logs: Optional[Logs] = None) -> None: ...

    def on_train_batch_begin(self, batch: int, logs: Optional[Logs] = None) -> None:
        self.on_batch_begin(batch, logs=logs)

    def on_train_batch_end(self, batch: int, logs: Optional[Logs] = None) -> None:
        self.on_batch_end(batch, logs=logs)

    def on_test_batch_begin(self, batch: int, logs: Optional[Logs] = None) -> None: ...
    def on_test_batch_end(self, batch: int, logs: Optional[Logs] = None) -> None: ...
    def on_predict_batch_begin(self, batch: int, logs: Optional[Logs] = None) -> None: ...
    def on_predict_batch_end(self, batch: int, logs: Optional[Logs] = None) -> None: ...

    def _overrides_batch_hooks(self) -> List[str]:
        """The batch hooks this callback overrides (in its class or, as LambdaCallback does, per object)."""
        return [h for h in _BATCH_HOOKS
                if h in self.__dict__ or getattr(type(self), h, None) is not getattr(Callback, h)]


class History(Callback):
    """Records the logs of every epoch: ``history.history["loss"]`` etc., ``history.epoch``.

    ``fit`` returns it (and keeps it as ``model.history``).
    """

    def __init__(self) -> None:
        super().__init__()
        self.history: Dict[str, List[float]] = {}
        self.epoch: List[int] = []

    def on_train_begin(self, logs: Optional[Logs] = None) -> None:
        self.epoch = []

    def on_epoch_end(self, epoch: int, logs: Optional[Logs] = None) -> None:
        logs = logs or {}
        self.epoch.append(epoch)
        for k, v in logs.items():
            self.history.setdefault(k, []).append(v)

    def __repr__(self) -> str:
        return f"<History epochs={len(self.epoch)} keys={list(self.history)}>"


class CallbackList:
    """Calls a list of callbacks in order (what fit uses; exposed as in Keras)."""

    def __init__(self, callbacks: Optional[Iterable[Callback]] = None, model: Optional["Sequential"] = None,
                 **params: Any) -> None:
        self.callbacks: List[Callback] = list(callbacks or [])
        for c in self.callbacks:
            if not isinstance(c, Callback):
                raise TypeError(f"callbacks must be seqnn.callbacks.Callback objects, found {type(c).__name__}")
        if model is not None:
            self.set_model(model)
        if params:
            self.set_params(params)

    def append(self, callback: Callback) -> None:
        self.callbacks.append(callback)

    def set_model(self, model: "Sequential") -> None:
        for c in self.callbacks:
            c.set_model(model)

    def set_params(self, params: Dict[str, Any]) -> None:
        for c in self.callbacks:
            c.set_params(params)

    def _call(self, hook: str, *args: Any) -> None:
        for c in self.callbacks:
            getattr(c, hook)(*args)

    def on_train_begin(self, logs: Optional[Logs] = None) -> None: self._call("on_train_begin", logs)
    def on_train_end(self, logs: Optional[Logs] = None) -> None: self._call("on_train_end", logs)
    def on_epoch_begin(self, epoch: int, logs: Optional[Logs] = None) -> None: self._call("on_epoch_begin", epoch, logs)
    def on_epoch_end(self, epoch: int, logs: Optional[Logs] = None) -> None: self._call("on_epoch_end", epoch, logs)
    def on_test_begin(self, logs: Optional[Logs] = None) -> None: self._call("on_test_begin", logs)
    def on_test_end(self, logs: Optional[Logs] = None) -> None: self._call("on_test_end", logs)
    def on_predict_begin(self, logs: Optional[Logs] = None) -> None: self._call("on_predict_begin", logs)
    def on_predict_end(self, logs: Optional[Logs] = None) -> None: self._call("on_predict_end", logs)

    # Batch hooks: as Keras 3's CallbackList, begin hooks get {} and end hooks the logs (sorted by key).
    def wants_batch_hooks(self, phase: str) -> bool:
        """Whether any callback overrides a batch hook of `phase` ("train", "test" or "predict"); fit,
        evaluate and predict register no per-batch callback with the library otherwise (Keras skips them
        too), so batches cost no Python call."""
        names = {"train": ("on_batch_begin", "on_batch_end", "on_train_batch_begin", "on_train_batch_end"),
                 "test": ("on_test_batch_begin", "on_test_batch_end"),
                 "predict": ("on_predict_batch_begin", "on_predict_batch_end")}[phase]
        return any(h in names for c in self.callbacks for h in c._overrides_batch_hooks())

    def _batch(self, hook: str, batch: int, logs: Optional[Dict[str, Any]]) -> None:
        logs = dict(sorted(logs.items())) if logs else {}
        for c in self.callbacks:
            getattr(c, hook)(batch, logs=logs)

    def on_batch_begin(self, batch: int, logs: Optional[Logs] = None) -> None: self._batch("on_batch_begin", batch, logs)
    def on_batch_end(self, batch: int, logs: Optional[Logs] = None) -> None: self._batch("on_batch_end", batch, logs)
    def on_train_batch_begin(self, batch: int, logs: Optional[Logs] = None) -> None:
        self._batch("on_train_batch_begin", batch, logs)
    def on_train_batch_end(self, batch: int, logs: Optional[Logs] = None) -> None:
        self._batch("on_train_batch_end", batch, logs)
    def on_test_batch_begin(self, batch: int, logs: Optional[Logs] = None) -> None:
        self._batch("on_test_batch_begin", batch, logs)
    def on_test_batch_end(self, batch: int, logs: Optional[Logs] = None) -> None:
        self._batch("on_test_batch_end", batch, logs)
    def on_predict_batch_begin(self, batch: int, logs: Optional[Logs] = None) -> None:
        self._batch("on_predict_batch_begin", batch, logs)
    def on_predict_batch_end(self, batch: int, logs: Optional[Dict[str, Any]] = None) -> None:
        self._batch("on_predict_batch_end", batch, logs)

    def __iter__(self) -> Any:
        return iter(self.callbacks)


def _monitor_op(monitor: str, mode: str) -> Callable[[float, float], bool]:
    if mode not in ("auto", "min", "max"):
        warnings.warn(f"mode {mode!r} is unknown, fallback to auto mode.", stacklevel=3)
        mode = "auto"
    if mode == "max" or (mode == "auto" and ("acc" in monitor or monitor.endswith("auc")
                                             or "precision" in monitor or "recall" in monitor)):
        return lambda a, b: a > b
    return lambda a, b: a < b


class EarlyStopping(Callback):
    """Stops training when ``monitor`` (default "val_loss") has stopped improving (Keras 3 semantics).

    Args:
        monitor: the log key to watch.
        min_delta: the smallest change that counts as an improvement.
        patience: epochs without improvement after which training stops.
        verbose: 1 prints a message when it stops / restores.
        mode: "min", "max" or "auto" (max for accuracy-like keys, else min).
        baseline: a value the monitored quantity must beat.
        restore_best_weights: at the end of training, restore the weights of the best epoch.
        start_from_epoch: epochs to wait before watching.
    """

    def __init__(self, monitor: str = "val_loss", min_delta: float = 0, patience: int = 0, verbose: int = 0,
                 mode: str = "auto", baseline: Optional[float] = None, restore_best_weights: bool = False,
                 start_from_epoch: int = 0) -> None:
        super().__init__()
        self.monitor = monitor
        self.patience = patience
        self.verbose = verbose
        self.baseline = baseline
        self.min_delta = abs(min_delta)
        self.restore_best_weights = restore_best_weights
        self.start_from_epoch = start_from_epoch
        self.mode = mode
        self._better = _monitor_op(monitor, mode)
        self.wait = 0
        self.stopped_epoch = 0
        self.best: float = math.inf
        self.best_weights: Optional[List[np.ndarray]] = None
        self.best_epoch = 0

    def _is_improvement(self, current: float, reference: float) -> bool:
        if self._better(1.0, 0.0):        # max mode
            return current - self.min_delta > reference
        return current + self.min_delta < reference

    def on_train_begin(self, logs: Optional[Logs] = None) -> None:
        self.wait = 0
        self.stopped_epoch = 0
        self.best = -math.inf if self._better(1.0, 0.0) else math.inf
        self.best_weights = None
        self.best_epoch = 0

    def on_epoch_end(self, epoch: int, logs: Optional[Logs] = None) -> None:
        current = (logs or {}).get(self.monitor)
        if current is None:
            warnings.warn(f"Early stopping conditioned on metric `{self.monitor}` which is not available. "
                          f"Available metrics are: {','.join((logs or {}).keys())}", stacklevel=2)
            return
        if epoch < self.start_from_epoch:
            return
        if self.restore_best_weights and self.best_weights is None:
            self.best_weights = self.model.get_weights()
            self.best_epoch = epoch
        self.wait += 1
        if self._is_improvement(current, self.best):
            self.best = current
            self.best_epoch = epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            if self.baseline is None or self._is_improvement(current, self.baseline):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs: Optional[Logs] = None) -> None:
        if self.stopped_epoch > 0 and self.verbose > 0:
            print(f"Epoch {self.stopped_epoch + 1}: early stopping", file=sys.stdout)
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose > 0:
                print(f"Restoring model weights from the end of the best epoch: {self.best_epoch + 1}.",
                      file=sys.stdout)
            self.model.set_weights(self.best_weights)


class ModelCheckpoint(Callback):
    """Saves the model (a Keras ``.h5`` file) after epochs.

    Args:
        filepath: a path, may hold ``{epoch:02d}`` and log keys (``{val_loss:.2f}``); must end in ``.h5``
            (or ``.hdf5``; ``.weights.h5`` with ``save_weights_only``).
        monitor: the log key for ``save_best_only`` (default "val_loss").
        verbose: 1 prints a line per save.
        save_best_only: save only when ``monitor`` improved.
        save_weights_only: save without the optimizer state (a file ``load_weights`` reads).
        mode: "auto", "min" or "max".
        save_freq: "epoch" (the only one supported).
        initial_value_threshold: the value ``monitor`` must beat for the first save.
    """

    def __init__(self, filepath: Any, monitor: str = "val_loss", verbose: int = 0, save_best_only: bool = False,
                 save_weights_only: bool = False, mode: str = "auto", save_freq: Any = "epoch",
                 initial_value_threshold: Optional[float] = None) -> None:
        super().__init__()
        if save_freq != "epoch":
            raise NotImplementedError("ModelCheckpoint: only save_freq='epoch' is supported (SeqNN calls back once "
                                      "per epoch)")
        self.filepath = os.fspath(filepath)
        self.monitor = monitor
        self.verbose = verbose
        self.save_best_only = save_best_only
        self.save_weights_only = save_weights_only
        self._better = _monitor_op(monitor, mode)
        if initial_value_threshold is not None:
            self.best = float(initial_value_threshold)
        else:
            self.best = -math.inf if self._better(1.0, 0.0) else math.inf

    def _path(self, epoch: int, logs: Logs) -> str:
        return self.filepath.format(epoch=epoch + 1, **logs)

    def on_epoch_end(self, epoch: int, logs: Optional[Logs] = None) -> None:
        logs = logs or {}
        path = self._path(epoch, logs)
        if self.save_best_only:
            current = logs.get(self.monitor)
            if current is None:
                warnings.warn(f"Can save best model only with {self.monitor} available, skipping.", stacklevel=2)
                return
            if not self._better(current, self.best):
                if self.verbose > 0:
                    print(f"\nEpoch {epoch + 1}: {self.monitor} did not improve from {self.best:.5f}")
                return
            if self.verbose > 0:
                print(f"\nEpoch {epoch + 1}: {self.monitor} improved from {self.best:.5f} to {current:.5f}, "
                      f"saving model to {path}")
            self.best = current
        elif self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: saving model to {path}")
        if self.save_weights_only:
            self.model.save_weights(path)
        else:
            self.model.save(path)


class LambdaCallback(Callback):
    """A callback from plain functions: ``on_epoch_begin(epoch, logs)``, ``on_epoch_end(epoch, logs)``,
    ``on_train_begin(logs)``, ``on_train_end(logs)``, ``on_train_batch_begin(batch, logs)``,
    ``on_train_batch_end(batch, logs)`` (Keras 3), and Keras 2's ``on_batch_begin``/``on_batch_end``."""

    def __init__(self, on_epoch_begin: Optional[Callable[..., Any]] = None,
                 on_epoch_end: Optional[Callable[..., Any]] = None, on_train_begin: Optional[Callable[..., Any]] = None,
                 on_train_end: Optional[Callable[..., Any]] = None, on_batch_begin: Optional[Callable[..., Any]] = None,
                 on_batch_end: Optional[Callable[..., Any]] = None,
                 on_train_batch_begin: Optional[Callable[..., Any]] = None,
                 on_train_batch_end: Optional[Callable[..., Any]] = None, **kwargs: Any) -> None:
        super().__init__()
        self.__dict__.update(kwargs)
        for name, fn in (("on_batch_begin", on_batch_begin), ("on_batch_end", on_batch_end),
                         ("on_train_batch_begin", on_train_batch_begin), ("on_train_batch_end", on_train_batch_end)):
            if fn is not None:
                setattr(self, name, fn)
        if on_epoch_begin is not None:
            self.on_epoch_begin = on_epoch_begin  # type: ignore[method-assign]
        if on_epoch_end is not None:
            self.on_epoch_end = on_epoch_end  # type: ignore[method-assign]
        if on_train_begin is not None:
            self.on_train_begin = on_train_begin  # type: ignore[method-assign]
        if on_train_end is not None:
            self.on_train_end = on_train_end  # type: ignore[method-assign]


class CSVLogger(Callback):
    """Writes each epoch's logs as a CSV row (``epoch`` first), as Keras's CSVLogger."""

    def __init__(self, filename: Any, separator: str = ",", append: bool = False) -> None:
        super().__init__()
        self.filename = os.fspath(filename)
        self.sep = separator
        self.append = append
        self._keys: Optional[List[str]] = None
        self._file: Any = None
        self._writer: Any = None

    def on_train_begin(self, logs: Optional[Logs] = None) -> None:
        exists = self.append and os.path.exists(self.filename) and os.path.getsize(self.filename) > 0
        self._file = open(self.filename, "a" if self.append else "w", newline="")
        self._keys = None
        self._has_header = exists

    def on_epoch_end(self, epoch: int, logs: Optional[Logs] = None) -> None:
        logs = logs or {}
        if self._keys is None:
            self._keys = sorted(logs)
            self._writer = csv.DictWriter(self._file, fieldnames=["epoch"] + self._keys, delimiter=self.sep)
            if not self._has_header:
                self._writer.writeheader()
        self._writer.writerow({"epoch": epoch, **{k: logs.get(k, "NA") for k in self._keys}})
        self._file.flush()

    def on_train_end(self, logs: Optional[Logs] = None) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


class TerminateOnNaN(Callback):
    """Stops training when the loss becomes NaN or infinite (checked per epoch)."""

    def on_epoch_end(self, epoch: int, logs: Optional[Logs] = None) -> None:
        loss = (logs or {}).get("loss")
        if loss is not None and not math.isfinite(loss):
            print(f"Epoch {epoch + 1}: Invalid loss, terminating training")
            self.model.stop_training = True


class RemoteMonitor(Callback):
    """Not supported (no network access from SeqNN); present so imports do not fail."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise NotImplementedError("RemoteMonitor is not supported by SeqNN")


def _current_learning_rate(model: "Sequential") -> float:
    optimizer = getattr(model, "optimizer", None)
    if optimizer is None or not hasattr(optimizer, "learning_rate"):
        raise ValueError('Optimizer must have a "learning_rate" attribute.')
    return float(optimizer.learning_rate)


class LearningRateScheduler(Callback):
    """Sets the learning rate at the start of every epoch to ``schedule(epoch, lr)`` (or Keras 2's
    ``schedule(epoch)``), and records it in the epoch's logs as ``learning_rate`` (Keras 3's
    keras/src/callbacks/learning_rate_scheduler.py)."""

    def __init__(self, schedule: Callable[..., float], verbose: int = 0) -> None:
        super().__init__()
        self.schedule = schedule
        self.verbose = verbose

    def on_epoch_begin(self, epoch: int, logs: Optional[Logs] = None) -> None:
        try:   # Keras's new API, then the old one-argument form
            learning_rate = self.schedule(epoch, _current_learning_rate(self.model))
        except TypeError:
            learning_rate = self.schedule(epoch)
        if not isinstance(learning_rate, (float, np.float32, np.float64)):
            raise ValueError(f"The output of the `schedule` function should be a float. Got: {learning_rate}")
        self.model.optimizer.learning_rate = learning_rate
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: LearningRateScheduler setting learning rate to {learning_rate}.")

    def on_epoch_end(self, epoch: int, logs: Optional[Logs] = None) -> None:
        if logs is not None:
            logs["learning_rate"] = _current_learning_rate(self.model)


class ReduceLROnPlateau(Callback):
    """Multiplies the learning rate by ``factor`` (not below ``min_lr``) when ``monitor`` has not improved by
    more than ``min_delta`` for ``patience`` epochs, then waits ``cooldown`` epochs; records the rate in the
    epoch's logs as ``learning_rate`` (Keras 3's keras/src/callbacks/reduce_lr_on_plateau.py)."""

    def __init__(self, monitor: str = "val_loss", factor: float = 0.1, patience: int = 10, verbose: int = 0,
                 mode: str = "auto", min_delta: float = 1e-4, cooldown: int = 0, min_lr: float = 0.0,
                 **kwargs: Any) -> None:
        super().__init__()
        if "epsilon" in kwargs:   # Keras 2's old name for min_delta
            min_delta = kwargs.pop("epsilon")
        if kwargs:
            raise TypeError(f"ReduceLROnPlateau: unexpected keyword arguments {sorted(kwargs)}")
        if factor >= 1.0:
            raise ValueError(f"ReduceLROnPlateau does not support a factor >= 1.0. Received factor={factor}")
        self.monitor = monitor
        self.factor = factor
        self.patience = patience
        self.verbose = verbose
        self.mode = mode
        self.min_delta = abs(min_delta)
        self.cooldown = cooldown
        self.min_lr = min_lr
        self._better = _monitor_op(monitor, mode)
        self._reset()

    def _reset(self) -> None:
        self.best: Optional[float] = None
        self.cooldown_counter = 0
        self.wait = 0

    def in_cooldown(self) -> bool:
        return self.cooldown_counter > 0

    def _is_improvement(self, current: float) -> bool:
        if self.best is None:
            return True
        if self._better(1.0, 0.0):        # max mode
            return current - self.min_delta > self.best
        return current + self.min_delta < self.best

    def on_train_begin(self, logs: Optional[Logs] = None) -> None:
        self._reset()

    def on_epoch_end(self, epoch: int, logs: Optional[Logs] = None) -> None:
        logs = logs if logs is not None else {}
        logs["learning_rate"] = _current_learning_rate(self.model)
        current = logs.get(self.monitor)
        if current is None:
            warnings.warn(f"Learning rate reduction is conditioned on metric `{self.monitor}` which is not available. "
                          f"Available metrics are: {','.join(logs.keys())}.", stacklevel=2)
            return
        if self.in_cooldown():
            self.cooldown_counter -= 1
            self.wait = 0
        if self._is_improvement(current):
            self.best = current
            self.wait = 0
        elif not self.in_cooldown():
            self.wait += 1
            if self.wait >= self.patience and self._reduce(epoch):
                self.cooldown_counter = self.cooldown
                self.wait = 0

    def _reduce(self, epoch: int) -> bool:
        old_lr = _current_learning_rate(self.model)
        if old_lr <= np.float32(self.min_lr):
            return False
        new_lr = max(old_lr * self.factor, self.min_lr)
        self.model.optimizer.learning_rate = new_lr
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: ReduceLROnPlateau reducing learning rate to {new_lr}.")
        return True
