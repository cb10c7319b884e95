"""``keras.models``: ``Sequential`` and ``load_model`` over the C library.

A ``Sequential`` owns one ``seqnn_model`` handle (freed when the Python object goes away). Layers,
compile, fit, evaluate and predict are the C functions of ``seqnn.h``; this module translates Keras's
arguments into them and the results back into numpy arrays, dicts and exceptions.

Threads: ``predict`` (and reading weights, ``summary``, ``save``) may run on several threads at once on
one model; the C library runs them in parallel (ctypes releases the GIL). Calls that change the model
(``add``, ``compile``, ``fit``, ``evaluate``, ``set_weights``, ...) while another call is running raise
``seqnn.BusyError`` instead of corrupting it. During ``fit`` only the fitting thread - its callbacks -
may read the model; other threads get ``BusyError`` until fit returns.
"""
from __future__ import annotations

import ctypes
import os
import re
import time
import warnings
import weakref
from ctypes import byref, c_double, c_int64, c_size_t, c_void_p
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Tuple, Union

import numpy as np

from . import _args, _config, _ffi, _progress
from . import callbacks as callbacks_module
from . import layers as layers_module
from . import losses as losses_module
from . import metrics as metrics_module
from . import ops as ops_module
from . import optimizers as optimizers_module
from . import utils as utils_module
from ._errors import (NotBuiltError, NotCompiledError, SeqNNError, SeqNNFileNotFoundError, SeqNNMemoryError,
                      SeqNNValueError, ShapeMismatchError, UnsupportedError)
from .layers import InputLayer, Layer

__all__ = ["Sequential", "load_model", "save_model"]

ArrayLike = Any
Shape = Tuple[Optional[int], ...]


def _free_model(ptr: int, keepalive: List[Any]) -> None:
    # keepalive (the C callbacks the library holds) is released only after the model is freed.
    lib = _ffi._lib
    if lib is not None and ptr:
        lib.seqnn_model_free(ptr)


class _MetricState:
    """The Python side of the custom metrics registered with one model: name -> function, and the first
    exception a metric raised during the current C call. Kept apart from the model object, so the C
    callbacks do not keep the model alive."""

    def __init__(self) -> None:
        self.functions: Dict[str, Optional[Callable[..., Any]]] = {}
        self.error: Optional[BaseException] = None
        self.output_shape: Tuple[int, ...] = ()

    def take_error(self) -> Optional[BaseException]:
        e, self.error = self.error, None
        return e

    def make_callback(self, name: str) -> Any:
        def call(user_data: Any, y_true: Any, y_pred: Any, rows: int, pred_dim: int, true_dim: int,
                 result: Any) -> int:
            try:
                fn = self.functions.get(name)
                if fn is None:          # registered earlier, not listed in the current compile
                    result[0] = 0.0
                    return 0
                t = np.ctypeslib.as_array(y_true, shape=(rows * true_dim,)).copy()
                p = np.ctypeslib.as_array(y_pred, shape=(rows * pred_dim,)).copy()
                t, p = _metric_shapes(t, p, rows, pred_dim, true_dim, self.output_shape)
                value = np.asarray(fn(t, p), dtype=np.float64)
                result[0] = float(np.mean(value)) if value.size else 0.0
                return 0
            except BaseException as e:  # cannot cross C: stored, re-raised by the caller
                if self.error is None:
                    self.error = e
                return 1
        return _ffi.METRIC_FN(call)


def _metric_shapes(t: np.ndarray, p: np.ndarray, rows: int, pred_dim: int, true_dim: int,
                   out_shape: Tuple[int, ...]) -> Tuple[np.ndarray, np.ndarray]:
    """y_true and y_pred in Keras's shapes: (batch,) + output shape (y_true's last axis its own width)."""
    per_sample = int(np.prod(out_shape)) if out_shape else 0
    if per_sample and out_shape[-1] == pred_dim and (rows * pred_dim) % per_sample == 0:
        n = rows * pred_dim // per_sample
        return t.reshape((n,) + tuple(out_shape[:-1]) + (true_dim,)), p.reshape((n,) + tuple(out_shape))
    return t.reshape(rows, true_dim), p.reshape(rows, pred_dim)


def _declared_input(cfg: Dict[str, Any]) -> Optional[List[Optional[int]]]:
    """The batch input shape a layer config declares, as the library reads it (LayerConfig.batchInputShape)."""
    for key in ("batch_input_shape", "batch_shape"):
        if cfg.get(key) is not None:
            return list(cfg[key])
    batch = cfg.get("batch_size")
    if cfg.get("input_shape") is not None:
        return [batch] + list(cfg["input_shape"])
    dim, length = cfg.get("input_dim"), cfg.get("input_length")
    if length is not None and dim is not None:
        return [batch, length, dim]
    if length is not None:
        return [batch, length]
    if dim is not None:
        return [batch, dim]
    return [batch] if batch is not None else None


_UNKNOWN_METRIC = re.compile(r"unknown metric '([^']*)'")


class Sequential:
    """``keras.Sequential``: a linear stack of layers.

    Args:
        layers: optional list of layers to add (an ``InputLayer``/``Input`` may come first).
        trainable: must be True (freezing a whole model: set ``layer.trainable`` per layer).
        name: the model's name (shown by ``summary``).
        seed: SeqNN's addition: seeds the model's random generator (initial weights, shuffling, dropout).
            Same seed, same calls, same data -> bit-identical weights, also against the C API. Default:
            drawn from ``seqnn.utils.set_random_seed``'s generator, else random (as in Keras).
    """

    def __init__(self, layers: Optional[Iterable[Layer]] = None, trainable: bool = True, name: Optional[str] = None,
                 *, seed: Optional[int] = None) -> None:
        if not trainable:
            raise UnsupportedError("Sequential(trainable=False) is not supported; set layer.trainable per layer")
        self._seed = int(seed) if seed is not None else utils_module.next_seed()
        if not 0 <= self._seed < 2 ** 64:
            raise ValueError(f"seed must be in [0, 2**64), found {seed}")
        ptr = _ffi.lib().seqnn_model_create(self._seed)
        if not ptr:
            raise SeqNNMemoryError(_ffi.last_error() or "seqnn_model_create failed (out of memory)")
        self._setup(ptr, name)
        for layer in layers or []:
            self.add(layer)

    # ---- plumbing -------------------------------------------------------------------------------------

    def _setup(self, ptr: int, name: Optional[str]) -> None:
        self._ptr: int = ptr
        self._keepalive: List[Any] = []
        self._finalizer = weakref.finalize(self, _free_model, ptr, self._keepalive)
        self._metric_state = _MetricState()
        self._layers: List[Layer] = []
        self._input_shape: Optional[Tuple[int, ...]] = None
        self._batch_size: Optional[int] = None
        self._input_dtype = "float32"
        self._pending_batch: Optional[int] = None
        self._pending_compile: Optional[Tuple[Any, Optional[float], str, str, Any, Dict[str, Any]]] = None
        self._force_uncompiled = False
        self._version = 0
        self._cache: Dict[str, Any] = {}
        self.name = name or "sequential"
        self.stop_training = False
        self.history: Optional[callbacks_module.History] = None
        self.optimizer: Any = None
        self.loss: Any = None
        self.compiled_metrics: List[Any] = []

    @property
    def seed(self) -> int:
        """The seed of the model's random generator."""
        return self._seed

    def _call(self, fn_name: str, *args: Any) -> None:
        status = getattr(_ffi.lib(), fn_name)(self._ptr, *args)
        if status != _ffi.SEQNN_OK:
            raise _ffi.make_error(status)

    def _changed(self) -> None:
        self._version += 1
        self._cache.clear()
        self._apply_pending_weights()

    def _apply_pending_weights(self) -> None:
        """Weights a layer learned before it was in a built model (Normalization.adapt) are set once it is."""
        if not self._layers or not self._is_built():
            return
        for layer in self._layers:
            pending = getattr(layer, "_pending_weights", None)
            if pending is not None:
                layer._pending_weights = None
                layer.set_weights(pending)

    def _cached(self, key: str, compute: Callable[[], Any]) -> Any:
        version = self._version
        hit = self._cache.get(key)
        if hit is not None and hit[0] == version:
            return hit[1]
        value = compute()
        self._cache[key] = (version, value)
        return value

    def _size(self, which: str) -> Optional[int]:
        out = c_size_t(0)
        status = getattr(_ffi.lib(), f"seqnn_model_{which}_size")(self._ptr, byref(out))
        if status == _ffi.SEQNN_NOT_BUILT:
            return None
        _ffi.check(status)
        return int(out.value)

    def _input_size(self) -> Optional[int]:
        size = self._cached("input_size", lambda: self._size("input") or 0)
        return size or None

    def _output_size(self) -> Optional[int]:
        size = self._cached("output_size", lambda: self._size("output") or 0)
        return size or None

    def _is_built(self) -> bool:
        return self._input_size() is not None

    def _layer_index(self, layer: Layer) -> int:
        for i, lyr in enumerate(self._layers):
            if lyr is layer:
                return i
        raise SeqNNValueError(f"layer '{layer.name}' is not part of this model any more")

    # ---- building -------------------------------------------------------------------------------------

    def add(self, layer: Optional[Layer] = None, rebuild: bool = True, *,
            input_shape: Optional[Sequence[int]] = None, batch_size: Optional[int] = None,
            batch_input_shape: Optional[Sequence[Optional[int]]] = None) -> None:
        """Appends a layer (Keras's ``model.add``).

        Besides a layer, the model's input may be declared here in the Keras guide's words:
        ``model.add(batch_size=32)`` then ``model.add(input_shape=(6, 8))`` give the batch input shape
        ``(32, 6, 8)``; ``batch_input_shape=(32, 6, 8)`` says both at once. A later first layer that
        declares an input shape takes a batch size given this way.
        """
        if layer is None and input_shape is None and batch_size is None and batch_input_shape is None:
            raise TypeError("add() needs a layer, or input_shape= / batch_size= / batch_input_shape=")
        if batch_input_shape is not None:
            dims = list(batch_input_shape)
            if not dims:
                raise ValueError("batch_input_shape must not be empty")
            batch_size = dims[0] if batch_size is None else batch_size
            if input_shape is None:
                input_shape = [int(d) for d in dims[1:] if d is not None]
        if batch_size is not None:
            if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size <= 0:
                raise ValueError(f"batch_size must be a positive integer, found {batch_size!r}")
            self._pending_batch = int(batch_size)
            if input_shape is None and self._input_shape is not None:
                self._set_input(self._input_shape, self._pending_batch)
        if input_shape is not None:
            self._set_input(tuple(int(d) for d in input_shape), self._pending_batch)
        if layer is not None:
            self._add_layer(layer)

    def _set_input(self, shape: Sequence[int], batch: Optional[int]) -> None:
        dims = _ffi.shape_array(shape)
        self._call("seqnn_model_set_input", dims, dims.size, int(batch or 0))
        self._input_shape = tuple(int(d) for d in shape)
        self._batch_size = batch
        self._changed()

    def _add_layer(self, layer: Layer) -> None:
        if not isinstance(layer, Layer):
            raise TypeError("Only instances of `seqnn.layers.Layer` can be added to a Sequential model. "
                            f"Received: {layer!r} (of type {type(layer)})")
        if layer._model is not None:
            raise SeqNNValueError(f"layer '{layer.name}' is already part of a model; SeqNN layers cannot be shared "
                                  f"between models (create a new layer with the same arguments)")
        if getattr(layer, "_from_library", False):
            raise UnsupportedError(f"layer '{layer.name}' belongs to a loaded model and cannot be added elsewhere")
        cfg = layer._c_config()
        declared = _declared_input(cfg)
        first = not self._layers and self._input_shape is None
        if declared is not None and self._pending_batch and cfg.get("batch_size") is None and len(declared) > 1 \
                and declared[0] is None:
            declared[0] = self._pending_batch
            if "batch_input_shape" in cfg or "batch_shape" in cfg:
                key = "batch_input_shape" if "batch_input_shape" in cfg else "batch_shape"
                cfg[key] = [self._pending_batch] + list(cfg[key][1:])
            else:
                cfg["batch_size"] = self._pending_batch
        status = _ffi.lib().seqnn_model_add(self._ptr, _ffi.encode(layer._class_name, "class_name"),
                                            _ffi.encode(_config.to_json(cfg), "config"))
        if status != _ffi.SEQNN_OK:
            raise _ffi.make_error(status)
        if declared is not None and (first or isinstance(layer, InputLayer)):
            dims = declared[1:]
            if dims:
                self._input_shape = tuple(int(d) for d in dims if d is not None)
                self._batch_size = declared[0] if declared[0] is not None else self._pending_batch
            elif declared[0] is not None:
                self._pending_batch = declared[0]
        if isinstance(layer, InputLayer):
            self._input_dtype = layer.input_dtype
        else:
            index = len(self._layers)
            layer._name = _ffi.decode(_ffi.lib().seqnn_model_layer_name(self._ptr, index))
            layer._model = self
            self._layers.append(layer)
        self._changed()

    def pop(self, rebuild: bool = True) -> Layer:
        """Removes and returns the last layer (Keras's ``model.pop()``). The model must be compiled again."""
        if not self._layers:
            raise TypeError("There are no layers in the model.")
        self._call("seqnn_model_pop")
        layer = self._layers.pop()
        layer._model = None
        self._changed()
        return layer

    def build(self, input_shape: Optional[Sequence[Optional[int]]] = None) -> None:
        """Keras's ``model.build((batch, *shape))``: sets the input shape (the batch entry may be None)."""
        if input_shape is None:
            if self._is_built():
                return
            raise ValueError("You must provide an `input_shape` argument.")
        dims = list(input_shape)
        if len(dims) < 2:
            raise ValueError(f"input_shape must include the batch dimension, e.g. (None, 784); found {input_shape}")
        if any(d is None for d in dims[1:]):
            raise ValueError(f"input_shape must give every dimension but the batch, found {input_shape}")
        self._set_input(tuple(int(d) for d in dims[1:] if d is not None), dims[0])
        self._run_pending_compile()

    def _ensure_built(self, x: np.ndarray) -> None:
        """Keras builds a model without an input shape from the first data it sees; so does this."""
        if not self._is_built() and self._layers and x.ndim >= 2:
            self._set_input(tuple(int(d) for d in x.shape[1:]), self._pending_batch)
        self._run_pending_compile()

    # ---- layers and shapes ----------------------------------------------------------------------------

    @property
    def layers(self) -> List[Layer]:
        """The layers (without the InputLayer), as in Keras."""
        return list(self._layers)

    def get_layer(self, name: Optional[str] = None, index: Optional[int] = None) -> Layer:
        """A layer by name or index."""
        if index is not None:
            if not -len(self._layers) <= index < len(self._layers):
                raise ValueError(f"Was asked to retrieve layer at index {index} but model only has "
                                 f"{len(self._layers)} layers.")
            return self._layers[index]
        for layer in self._layers:
            if layer.name == name:
                return layer
        raise ValueError(f"No such layer: {name}. Existing layers are: {[lyr.name for lyr in self._layers]}.")

    def _c_input_shape(self) -> Optional[Tuple[Tuple[int, ...], Optional[int]]]:
        """(per-sample input shape, fixed batch size or None) as the library has them
        (``seqnn_model_input_shape``); None while the input shape is unknown."""
        def compute() -> Optional[Tuple[Tuple[int, ...], Optional[int]]]:
            batch = c_int64(0)
            dims = self._read_shape("seqnn_model_input_shape", extra=(byref(batch),))
            return None if dims is None else (dims, int(batch.value) or None)
        return self._cached("input_shape", compute)  # type: ignore[no-any-return]

    def _read_shape(self, fn_name: str, *args: Any, extra: Tuple[Any, ...] = ()) -> Optional[Tuple[int, ...]]:
        """A shape from a ``(model, ..., int64_t *shape, size_t cap, size_t *ndim, ...)`` function of seqnn.h;
        None for SEQNN_NOT_BUILT. Retries once with the rank the library reports if 8 entries are too few."""
        fn = getattr(_ffi.lib(), fn_name)
        cap = 8
        for _ in range(2):
            buf = (c_int64 * cap)()
            ndim = c_size_t(0)
            status = fn(self._ptr, *args, buf, cap, byref(ndim), *extra)
            if status == _ffi.SEQNN_NOT_BUILT:
                return None
            if status == _ffi.SEQNN_BUFFER_TOO_SMALL and ndim.value > cap:
                cap = int(ndim.value)
                continue
            _ffi.check(status)
            return tuple(int(buf[k]) for k in range(ndim.value))
        raise _ffi.make_error(_ffi.SEQNN_BUFFER_TOO_SMALL, fn_name)

    def _layer_output_shapes(self) -> List[Shape]:
        """Each layer's output shape with the batch dimension (``seqnn_model_layer_output_shape``); ``()``
        for a layer whose shape is not known yet (the model's input shape is unknown)."""
        def compute() -> List[Shape]:
            c = self._c_input_shape()
            batch = c[1] if c is not None else None
            shapes: List[Shape] = []
            for i in range(len(self._layers)):
                dims = self._read_shape("seqnn_model_layer_output_shape", i)
                shapes.append(() if dims is None else (batch,) + dims)
            return shapes
        return list(self._cached("layer_shapes", compute))

    def _sample_output_shape(self) -> Tuple[int, ...]:
        """The output shape of one sample (no batch axis); () while the model is not built."""
        def compute() -> Tuple[int, ...]:
            c = self._c_input_shape()
            if c is None:
                return ()
            if not self._layers:
                return c[0]
            dims = self._read_shape("seqnn_model_layer_output_shape", len(self._layers) - 1)
            return dims if dims is not None else ()
        return tuple(self._cached("sample_output_shape", compute))

    def _keras_tensors(self) -> List[layers_module.KerasTensor]:
        """The model's tensors as Keras 3 shows them: the input, then each layer's output (built models)."""
        def compute() -> List[layers_module.KerasTensor]:
            c = self._c_input_shape()
            if c is None:
                return []
            first = layers_module.KerasTensor((c[1],) + c[0], self._input_dtype, "keras_tensor")
            return [first] + [layers_module.KerasTensor(shape, "float32", f"keras_tensor_{i + 1}")
                              for i, shape in enumerate(self._layer_output_shapes())]
        return list(self._cached("keras_tensors", compute))

    @property
    def inputs(self) -> List[layers_module.KerasTensor]:
        """Keras 3's ``model.inputs``: ``[input tensor]`` (``.shape`` with the batch dimension)."""
        tensors = self._keras_tensors()
        if not tensors:
            raise AttributeError(f"Sequential model '{self.name}' has no defined inputs yet.")
        return tensors[:1]

    @property
    def outputs(self) -> List[layers_module.KerasTensor]:
        """Keras 3's ``model.outputs``: ``[output tensor]``."""
        tensors = self._keras_tensors()
        if not tensors:
            raise AttributeError(f"Sequential model '{self.name}' has no defined outputs yet.")
        return tensors[-1:]

    @property
    def input_shape(self) -> Optional[Shape]:
        """The batch input shape, e.g. ``(None, 784)``, or ``(32, 6, 8)`` with a fixed batch size; None until
        the input shape is known. Read from the library, so a loaded model has its full shape too."""
        c = self._c_input_shape()
        return None if c is None else (c[1],) + c[0]

    @property
    def output_shape(self) -> Optional[Shape]:
        """The batch output shape, e.g. ``(None, 10)``; None until the input shape is known."""
        c = self._c_input_shape()
        return None if c is None else (c[1],) + self._sample_output_shape()

    @property
    def built(self) -> bool:
        return self._is_built()

    @property
    def trainable(self) -> bool:
        return any(lyr.trainable for lyr in self._layers) or not self._layers

    def reset_states(self) -> None:
        """Keras's ``reset_states()``: stateful recurrent layers start their next call from zeros."""
        if self._is_built():
            self._call("seqnn_model_reset_states")

    def count_params(self) -> int:
        """Keras's "Total params"."""
        if not self._is_built():
            raise NotBuiltError(f"You tried to call `count_params` on model '{self.name}', but the model isn't built. "
                                f"You can build it manually via: `model.build(batch_input_shape)`.")
        total, trainable = c_size_t(0), c_size_t(0)
        self._call("seqnn_model_count_params", byref(total), byref(trainable))
        return int(total.value)

    def _summary_text(self) -> str:
        text = _ffi.read_string(_ffi.lib().seqnn_model_summary, self._ptr)
        if self.name != "sequential" and text.startswith('Model: "sequential"'):
            text = f'Model: "{self.name}"' + text[len('Model: "sequential"'):]
        return text

    def summary(self, line_length: Optional[int] = None, positions: Any = None,
                print_fn: Optional[Callable[..., Any]] = None, expand_nested: bool = False,
                show_trainable: bool = False, layer_range: Any = None) -> None:
        """Prints Keras's summary table (tf.keras layout), one ``print_fn`` call per line (default print).

        As tf.keras's ``print_summary``: ``line_length`` is the table's width (65), ``positions`` the column
        ends (fractions of it or absolute), ``show_trainable`` adds a "Trainable" column of Y/N,
        ``layer_range`` a pair of layer-name patterns (``re.match``) that bound the rows shown. A
        Sequential model of SeqNN holds no nested models, so ``expand_nested`` changes nothing.
        """
        emit = print_fn or print
        text = self._summary_text().rstrip("\n").split("\n")
        if line_length is None and positions is None and not show_trainable and layer_range is None:
            lines = text   # the library's table: the same lines the C API gives
        else:
            lines = self._summary_table(line_length, positions, show_trainable, layer_range) + \
                self._summary_totals(text, line_length or 65, show_trainable)
        for line in lines:
            emit(line)

    def _summary_layer_range(self, layer_range: Any) -> Tuple[int, int]:
        """tf.keras's get_layer_index_bound_by_layer_name: first and last+1 index of the layers shown."""
        if layer_range is None:
            return 0, len(self._layers)
        if len(layer_range) != 2 or not all(isinstance(p, str) for p in layer_range):
            raise ValueError(f"layer_range must be a list or tuple of 2 strings (layer name patterns). "
                             f"Received: layer_range = {layer_range}")
        lower = [i for i, lyr in enumerate(self._layers) if re.match(layer_range[0], lyr.name)]
        upper = [i for i, lyr in enumerate(self._layers) if re.match(layer_range[1], lyr.name)]
        if not lower or not upper:
            raise ValueError(f"Passed layer_names do not match the layer names in the model. "
                             f"Received: {layer_range}")
        if min(lower) > max(upper):
            return min(upper), max(lower) + 1
        return min(lower), max(upper) + 1

    def _summary_table(self, line_length: Optional[int], positions: Any, show_trainable: bool,
                       layer_range: Any) -> List[str]:
        """The head and rows of tf.keras's print_summary for a sequential model (its column arithmetic)."""
        width = line_length or 65
        cols = list(positions or [0.45, 0.85, 1.0])
        if cols[-1] <= 1:
            cols = [int(width * p) for p in cols]
        header = ["Layer (type)", "Output Shape", "Param #"]
        if show_trainable:
            width += 11
            cols.append(width)
            header.append("Trainable")
        lines = [f'Model: "{self.name}"', "_" * width] + _summary_row(header, cols) + ["=" * width]
        built = self._is_built()
        shapes = self._layer_output_shapes()
        first, last = self._summary_layer_range(layer_range)
        for i in range(first, last):
            layer = self._layers[i]
            shape = f"({', '.join('None' if d is None else str(d) for d in shapes[i])}" + \
                (",)" if len(shapes[i]) == 1 else ")") if built else "(unbuilt)"
            fields = [f"{layer.name} ({layer._class_name})", shape, layer.count_params() if built else 0]
            if show_trainable:
                fields.append("Y" if layer.trainable else "N")
            lines += _summary_row(fields, cols) + [" " * width]
        return lines

    @staticmethod
    def _summary_totals(text: List[str], width: int, show_trainable: bool) -> List[str]:
        """The library's totals ("Total params: ...") under a rule of the table's width."""
        totals = [line for line in text if line.startswith(("Total params", "Trainable params", "Non-trainable"))]
        width += 11 if show_trainable else 0
        return ["=" * width] + totals + ["_" * width]

    # ---- weights --------------------------------------------------------------------------------------

    def _weight_count(self, layer: int) -> int:
        out = c_size_t(0)
        self._call("seqnn_model_weight_count", layer, byref(out))
        return int(out.value)

    def _weight_shape(self, layer: int, index: int) -> Tuple[int, ...]:
        dims = (ctypes.c_int64 * 16)()
        ndim = c_size_t(0)
        self._call("seqnn_model_weight_shape", layer, index, dims, 16, byref(ndim))
        return tuple(int(dims[k]) for k in range(ndim.value))

    def _get_weight(self, layer: int, index: int) -> np.ndarray:
        shape = self._weight_shape(layer, index)
        out = np.empty(shape, dtype=np.float32)
        flat = out.reshape(-1)
        self._call("seqnn_model_get_weight", layer, index, flat, flat.size, None)
        return out

    def _checked_weight(self, layer: int, index: int, value: ArrayLike) -> np.ndarray:
        expected = self._weight_shape(layer, index)
        arr = _ffi.as_float32(value, "weights")
        if tuple(arr.shape) != expected:
            lname = self._layers[layer].name
            raise ShapeMismatchError(f"Layer {lname} weight shape {expected} is not compatible with provided weight "
                                     f"shape {tuple(arr.shape)}.")
        return arr

    def _set_weight(self, layer: int, index: int, value: ArrayLike) -> None:
        arr = self._checked_weight(layer, index, value).reshape(-1)
        self._call("seqnn_model_set_weight", layer, index, arr, arr.size)

    def _set_layer_weights(self, layer: int, weights: Sequence[ArrayLike]) -> None:
        n = self._weight_count(layer)
        weights = list(weights)
        if len(weights) != n:
            raise SeqNNValueError(f"You called `set_weights(weights)` on layer '{self._layers[layer].name}' with a "
                                  f"weight list of length {len(weights)}, but the layer was expecting {n} weights.")
        arrays = [self._checked_weight(layer, k, w) for k, w in enumerate(weights)]
        for k, a in enumerate(arrays):
            flat = a.reshape(-1)
            self._call("seqnn_model_set_weight", layer, k, flat, flat.size)

    def _require_weights(self) -> None:
        if self._layers and not self._is_built():
            raise NotBuiltError(f"Weights for model '{self.name}' have not yet been created. Weights are created "
                                f"when the model is first called on inputs or `build()` is called with an "
                                f"`input_shape`.")

    def get_weights(self) -> List[np.ndarray]:
        """All weights as numpy arrays (copies), layer by layer in Keras's order."""
        self._require_weights()
        return [w for layer in self._layers for w in layer.get_weights()]

    def set_weights(self, weights: Sequence[ArrayLike]) -> None:
        """Sets all weights from a list shaped like ``get_weights()``. Every array is checked before any
        weight changes."""
        self._require_weights()
        weights = list(weights)
        counts = [self._weight_count(i) for i in range(len(self._layers))]
        if len(weights) != sum(counts):
            raise SeqNNValueError(f"You called `set_weights(weights)` on model '{self.name}' with a weight list of "
                                  f"length {len(weights)}, but the model was expecting {sum(counts)} weights.")
        checked = []
        pos = 0
        for i, n in enumerate(counts):
            for k in range(n):
                checked.append((i, k, self._checked_weight(i, k, weights[pos]).reshape(-1)))
                pos += 1
        for i, k, flat in checked:
            if not np.all(np.isfinite(flat)):
                bad = int(np.argmin(np.isfinite(flat)))
                # let the library report it (NumericError with its message) before anything changes
                self._call("seqnn_model_set_weight", i, k, flat, flat.size)
                raise SeqNNValueError(f"weight {k} of layer {i} holds a non-finite value at index {bad}")
        for i, k, flat in checked:
            self._call("seqnn_model_set_weight", i, k, flat, flat.size)

    @property
    def weights(self) -> List[layers_module.Variable]:
        self._require_weights()
        return [w for layer in self._layers for w in layer.weights]

    @property
    def trainable_weights(self) -> List[layers_module.Variable]:
        return [w for layer in self._layers for w in layer.trainable_weights]

    @property
    def non_trainable_weights(self) -> List[layers_module.Variable]:
        return [w for layer in self._layers for w in layer.non_trainable_weights]

    @property
    def variables(self) -> List[layers_module.Variable]:
        return self.weights

    def _set_layer_trainable(self, layer: Layer, value: bool) -> None:
        """Changes a layer's trainable flag: the layers from it on are rebuilt with their weights kept (the
        C API has no setter). The model must be compiled again, as in Keras."""
        i = self._layer_index(layer)
        tail = self._layers[i:]
        if any(getattr(lyr, "_from_library", False) for lyr in tail):
            raise UnsupportedError(
                f"layer '{layer.name}' belongs to a loaded model; changing trainable needs a C function "
                f"(seqnn_model_set_trainable) that the library does not have yet")
        saved = [lyr.get_weights() if self._is_built() else [] for lyr in tail]
        for _ in tail:
            self.pop()
        old = layer._trainable
        layer._trainable = value
        try:
            for lyr in tail:
                self._add_layer(lyr)
        except BaseException:
            layer._trainable = old
            raise
        for lyr, w in zip(tail, saved):
            if w:
                lyr.set_weights(w)

    # ---- compile --------------------------------------------------------------------------------------

    def compile(self, optimizer: Any = "rmsprop", loss: Any = None, loss_weights: Any = None, metrics: Any = None,
                weighted_metrics: Any = None, run_eagerly: bool = False, steps_per_execution: int = 1,
                jit_compile: Any = "auto", auto_scale_loss: bool = True, **kwargs: Any) -> None:
        """Keras's ``compile``.

        Args:
            optimizer: a name ("rmsprop", "adam", ...) or a ``seqnn.optimizers`` object.
            loss: a Keras loss name, a ``seqnn.losses`` class instance or function.
            metrics: a list of names ("accuracy", "mae", ...), ``seqnn.metrics`` classes or functions, and
                Python functions ``fn(y_true, y_pred)`` (custom metrics, named by ``fn.__name__``).
            loss_weights, weighted_metrics: only None (single-output models; weighted metrics unsupported).
            run_eagerly, steps_per_execution, jit_compile, auto_scale_loss: accepted and ignored.
        A model whose input shape is not known yet is compiled when it is built (by ``build`` or the first
        ``fit``/``evaluate``), as in Keras.
        """
        kwargs.pop("sample_weight_mode", None)
        if kwargs:
            raise TypeError(f"compile() got unexpected keyword arguments {sorted(kwargs)}")
        if loss is None:
            raise SeqNNValueError("compile() needs a loss: SeqNN trains only with one of the Keras losses it knows")
        if loss_weights is not None:
            raise UnsupportedError("loss_weights is not supported (SeqNN models have one output)")
        if weighted_metrics:
            raise UnsupportedError("weighted_metrics is not supported; metrics ignore sample weights, as Keras's "
                                   "metrics= do")
        opt_json = self._optimizer_arg(optimizer)
        loss_json = self._loss_arg(loss)
        metric_specs, python_metrics = self._metric_args(metrics)
        # model.optimizer is an optimizer object, as in Keras, whatever form compile was given.
        opt_obj = _optimizer_object(optimizer)
        lr_at_compile = opt_obj._learning_rate if isinstance(opt_obj, optimizers_module.Optimizer) else None
        self._pending_compile = (opt_obj, lr_at_compile, opt_json, loss_json, metric_specs, python_metrics)
        if self._is_built():
            try:
                self._run_pending_compile()
            except BaseException:
                self._pending_compile = None
                raise
        self._force_uncompiled = False
        # Bind the optimizer to this model so its learning_rate reads and writes the library's (an
        # optimizer compiled into another model before now follows this one, as in Keras).
        if isinstance(self.optimizer, optimizers_module.Optimizer) and self.optimizer._model() is self:
            self.optimizer._model_ref = None
        if isinstance(opt_obj, optimizers_module.Optimizer):
            opt_obj._model_ref = weakref.ref(self)
        self.optimizer = opt_obj
        self.loss = loss
        self.compiled_metrics = list(metrics or []) if isinstance(metrics, (list, tuple)) else (
            [] if metrics is None else [metrics])

    def _run_pending_compile(self) -> None:
        if self._pending_compile is None or not self._is_built():
            return
        opt_obj, lr_at_compile, opt_json, loss_json, metric_specs, python_metrics = self._pending_compile
        state = self._metric_state
        for name in list(state.functions):
            if name not in python_metrics:
                state.functions[name] = None
        for name, fn in python_metrics.items():
            if name not in state.functions:
                cb = state.make_callback(name)
                self._call("seqnn_model_add_metric", _ffi.encode(name, "metric name"), cb, None)
                self._keepalive.append(cb)
            state.functions[name] = fn
        self._call("seqnn_model_compile", _ffi.encode(opt_json, "optimizer"), _ffi.encode(loss_json, "loss"),
                   _ffi.encode(_config.to_json(metric_specs), "metrics"))
        self._pending_compile = None
        self._changed()
        # A learning rate set on model.optimizer while the compile waited for the input shape (opt_json was
        # written before) reaches the library now.
        if isinstance(opt_obj, optimizers_module.Optimizer) and opt_obj._learning_rate != lr_at_compile:
            self._set_learning_rate(opt_obj._learning_rate)

    def _get_learning_rate(self) -> Optional[float]:
        """The compiled optimizer's learning rate in the library; None while the library has no compiled
        optimizer (before compile, while a compile waits for the input shape, after add/pop)."""
        value = c_double(0.0)
        status = _ffi.lib().seqnn_model_get_learning_rate(self._ptr, byref(value))
        if status == _ffi.SEQNN_NOT_COMPILED:
            return None
        _ffi.check(status)
        return float(value.value)

    def _iterations(self) -> int:
        """The compiled optimizer's completed steps in the library (0 before compile)."""
        value = ctypes.c_int64(0)
        status = _ffi.lib().seqnn_model_get_iterations(self._ptr, byref(value))
        if status == _ffi.SEQNN_NOT_COMPILED:
            return 0
        _ffi.check(status)
        return int(value.value)

    def _step_python_schedule(self) -> None:
        """A Python LearningRateSchedule: the rate of the coming step, schedule(iterations), into the library."""
        schedule = getattr(self.optimizer, "_python_schedule", None)
        if schedule is not None:
            self._set_learning_rate(float(schedule(self._iterations())))

    def _set_learning_rate(self, value: float) -> None:
        """Sets the compiled optimizer's learning rate, keeping its state; nothing to do (the optimizer object
        keeps the value for the next compile) while the library has no compiled optimizer."""
        status = _ffi.lib().seqnn_model_set_learning_rate(self._ptr, float(value))
        if status != _ffi.SEQNN_NOT_COMPILED:
            _ffi.check(status)

    @staticmethod
    def _optimizer_arg(optimizer: Any) -> str:
        if optimizer is None:
            return "rmsprop"
        if isinstance(optimizer, str):
            return optimizer
        if isinstance(optimizer, optimizers_module.Optimizer):
            return _config.to_json({"class_name": optimizer._class_name, "config": optimizer._library_config()})
        if isinstance(optimizer, dict):
            return _config.to_json(optimizer)
        raise SeqNNValueError(f"Could not interpret optimizer identifier: {optimizer!r}; give a name ('adam') or a "
                              f"seqnn.optimizers object")

    @staticmethod
    def _loss_arg(loss: Any) -> str:
        if isinstance(loss, str):
            return loss
        if isinstance(loss, losses_module.Loss):
            why = loss._unsupported()
            if why:
                raise UnsupportedError(why)
            return _config.to_json({"class_name": loss._class_name, "config": loss.get_config()})
        if isinstance(loss, dict) and "class_name" in loss:
            return _config.to_json(loss)
        if isinstance(loss, (dict, list, tuple)):
            raise UnsupportedError("one loss per output: SeqNN models have a single output")
        name = getattr(loss, "_seqnn_name", None)
        if name:
            return str(name)
        if callable(loss):
            raise UnsupportedError(
                f"custom Python loss functions ({getattr(loss, '__name__', loss)!r}) are not supported: the library "
                f"needs the loss's gradient. Use a Keras loss name or a seqnn.losses class")
        raise SeqNNValueError(f"Could not interpret loss identifier: {loss!r}")

    @staticmethod
    def _metric_args(metrics: Any) -> Tuple[List[Any], Dict[str, Callable[..., Any]]]:
        if metrics is None:
            return [], {}
        if isinstance(metrics, dict):
            raise UnsupportedError("metrics per output (a dict) are not supported: SeqNN models have one output")
        if isinstance(metrics, (str, metrics_module.Metric)) or callable(metrics):
            metrics = [metrics]
        specs: List[Any] = []
        python: Dict[str, Callable[..., Any]] = {}
        for m in metrics:
            if isinstance(m, str):
                specs.append(m)
            elif isinstance(m, metrics_module.MeanMetricWrapper):
                wrapper = m
                python[m.name] = lambda t, p, w=wrapper: w._fn(t, p, **w._fn_kwargs)
                specs.append(m.name)
            elif isinstance(m, metrics_module.Metric):
                if m._class_name not in metrics_module._CLASSES:
                    raise UnsupportedError(f"metric class {type(m).__name__} is not computed by the library")
                specs.append({"class_name": m._class_name, "config": _config.plain(m.get_config())})
            elif isinstance(m, dict):
                specs.append(_config.plain(m))
            elif getattr(m, "_seqnn_metric_name", None):
                specs.append(m._seqnn_metric_name)
            elif callable(m):
                name = getattr(m, "__name__", None) or type(m).__name__
                python[name] = m
                specs.append(name)
            elif isinstance(m, (list, tuple)):
                raise UnsupportedError("nested metric lists (one per output) are not supported")
            else:
                raise SeqNNValueError(f"Could not interpret metric identifier: {m!r}")
        return specs, python

    @property
    def compiled(self) -> bool:
        """Whether the model is compiled (a pending compile waits for the input shape)."""
        if self._force_uncompiled:
            return False
        if self._pending_compile is not None:
            return True
        count = c_size_t(0)
        return _ffi.lib().seqnn_model_metric_count(self._ptr, byref(count)) == _ffi.SEQNN_OK

    def _require_compiled(self, what: str) -> None:
        # A model loaded with compile=False is compiled in the library; Keras would refuse, so does this.
        # Otherwise the library reports SEQNN_NOT_COMPILED with its own message.
        if self._force_uncompiled:
            raise NotCompiledError(f"{what}: the model was loaded with compile=False; call compile(optimizer, loss, "
                                   f"metrics) first")

    @property
    def metrics_names(self) -> List[str]:
        """The names evaluate and train_on_batch report: "loss", then each metric."""
        if self._pending_compile is not None and not self._is_built():
            return []
        count = c_size_t(0)
        status = _ffi.lib().seqnn_model_metric_count(self._ptr, byref(count))
        if status == _ffi.SEQNN_NOT_COMPILED:
            return []
        if status != _ffi.SEQNN_OK:
            raise _ffi.make_error(status)
        lib = _ffi.lib()
        return [_ffi.decode(lib.seqnn_model_metric_name(self._ptr, i)) for i in range(count.value)]

    # ---- data -----------------------------------------------------------------------------------------

    def _input_array(self, x: ArrayLike, what: str = "x") -> Tuple[np.ndarray, int]:
        if x is None:
            raise SeqNNValueError(f"{what} is None; give the input data as an array")
        if isinstance(x, (list, tuple)) and len(x) == 1 and isinstance(x[0], np.ndarray):
            x = x[0]
        if isinstance(x, dict) or (hasattr(x, "__next__") and not isinstance(x, np.ndarray)):
            raise UnsupportedError(f"{what}: generators, datasets and dict inputs are not supported; give a numpy "
                                   f"array")
        a = _ffi.as_float32(x, what)
        if a.ndim == 0:
            raise SeqNNValueError(f"{what} must have a batch dimension, found a scalar")
        self._ensure_built(a)
        size = self._input_size()
        if size is not None:
            per = int(np.prod(a.shape[1:])) if a.ndim > 1 else 1
            if per != size:
                expected = self.input_shape
                raise ShapeMismatchError(
                    f"Input 0 of layer \"{self._layers[0].name if self._layers else self.name}\" is incompatible "
                    f"with the layer: expected shape={expected}, found shape={tuple(a.shape)} ({per} values per "
                    f"sample, {size} expected)")
        return a, int(a.shape[0])

    def _target_array(self, y: ArrayLike, samples: int, what: str = "y") -> np.ndarray:
        if y is None:
            raise SeqNNValueError(f"{what} is None; SeqNN trains with targets (give y)")
        if isinstance(y, (list, tuple)) and len(y) == 1 and isinstance(y[0], np.ndarray):
            y = y[0]
        a = _ffi.as_float32(y, what)
        if a.ndim == 0:
            raise SeqNNValueError(f"{what} must have a batch dimension, found a scalar")
        if a.shape[0] != samples:
            raise SeqNNValueError(f"Data cardinality is ambiguous: x sizes: {samples}, {what} sizes: {a.shape[0]}. "
                                  f"Make sure all arrays contain the same number of samples.")
        return a

    def _batch_arg(self, batch_size: Optional[int]) -> int:
        # checked here: ctypes would wrap 2**64 into 0, "the default"
        return 0 if batch_size is None else _args.integer(batch_size, "batch_size", minimum=1)

    @staticmethod
    def _verbose_arg(verbose: Any) -> int:
        if verbose == "auto":
            return 1
        if verbose not in (0, 1, 2, True, False):
            raise SeqNNValueError(f"verbose must be 'auto', 0, 1 or 2, found {verbose!r}")
        return int(verbose)

    def _reraise(self, status: int, error: Optional[BaseException], where: str) -> None:
        if error is not None:
            if hasattr(error, "add_note") and not isinstance(error, (KeyboardInterrupt, SystemExit)):
                error.add_note(f"(raised inside a Python callback during SeqNN {where}; the call was stopped)")
            raise error
        if status != _ffi.SEQNN_OK:
            raise _ffi.make_error(status)

    # ---- fit ------------------------------------------------------------------------------------------

    def fit(self, x: ArrayLike = None, y: ArrayLike = None, batch_size: Optional[int] = None, epochs: int = 1,
            verbose: Any = "auto", callbacks: Optional[Sequence[callbacks_module.Callback]] = None,
            validation_split: float = 0.0, validation_data: Any = None, shuffle: Any = True,
            class_weight: Optional[Dict[int, float]] = None, sample_weight: ArrayLike = None,
            initial_epoch: int = 0, steps_per_epoch: Optional[int] = None, validation_steps: Optional[int] = None,
            validation_batch_size: Optional[int] = None, validation_freq: int = 1,
            **kwargs: Any) -> callbacks_module.History:
        """Keras's ``fit``: trains for ``epochs`` epochs and returns the History.

        ``verbose`` 1 ("auto") prints Keras's progress bar to ``sys.stdout``, 2 one line per epoch, 0 nothing.
        ``validation_split`` takes the last fraction of the samples (before shuffling) for validation;
        ``validation_data=(x_val, y_val)`` overrides it. ``class_weight`` maps class index -> weight;
        ``sample_weight`` gives one weight per sample. Callbacks run once per epoch, and per batch when one
        overrides a batch hook. An exception raised in a callback or a Python metric stops training and is
        re-raised here.
        ``x`` may be a ``keras.utils.PyDataset`` / ``Sequence`` or a generator of ``(x, y)`` or
        ``(x, y, sample_weight)`` batches (then ``y``, ``batch_size``, ``sample_weight``, ``class_weight`` and
        ``validation_split`` do not apply): batches are read one at a time, so data larger than memory
        trains. ``steps_per_epoch`` limits an epoch (a generator without it runs until exhausted, and an
        epoch that gets no batch ends training, as Keras 3); ``shuffle`` shuffles a PyDataset's batch order
        each epoch, never a generator. ``validation_data`` may be a PyDataset or generator too, with
        ``validation_steps``. The first batch must be the largest.
        Not supported: validation_batch_size, validation_freq other than 1, steps_per_epoch with arrays,
        sample weights in array validation_data.
        """
        if kwargs:
            raise TypeError(f"fit() got unexpected keyword arguments {sorted(kwargs)}")
        source = _is_source(x)
        val_source = validation_data is not None and _is_source(validation_data)
        for arg, value, neutral, ok in (("steps_per_epoch", steps_per_epoch, None, source),
                                        ("validation_steps", validation_steps, None, val_source),
                                        ("validation_batch_size", validation_batch_size, None, False),
                                        ("validation_freq", validation_freq, 1, False)):
            if value != neutral and not ok:
                raise UnsupportedError(f"fit({arg}={value!r}) is not supported by SeqNN"
                                       + (" with array data" if arg.endswith("steps") or arg == "steps_per_epoch" else ""))
        feed: Optional[_Feed] = None
        if source:
            self._require_compiled("fit")
            for arg, value in (("y", y), ("sample_weight", sample_weight), ("class_weight", class_weight)):
                if value is not None:
                    raise SeqNNValueError(f"When providing `x` as a data set or generator, `{arg}` should not be "
                                          f"passed. Instead, it should be included as part of the data set.")
            if validation_split:
                raise SeqNNValueError("validation_split is only supported for array data, not a data set or generator")
            feed = _Feed(self, x, "fit", steps_per_epoch, predict=False, reset_each_pass=False)
            if shuffle and not feed.dataset:
                warnings.warn("`shuffle=True` was passed, but will be ignored since the data `x` was provided as a "
                              "generator. The generator is expected to yield already-shuffled data.", stacklevel=2)
            xa = ya = np.zeros(0, dtype=np.float32)
            n = 0
        else:
            xa, n = self._input_array(x)
            self._require_compiled("fit")
            ya = self._target_array(y, n)
        verbose_level = self._verbose_arg(verbose)
        batch = self._batch_arg(batch_size)
        epochs = _args.integer(epochs, "epochs")
        initial_epoch = _args.integer(initial_epoch, "initial_epoch")
        validation_split = _args.real(validation_split or 0.0, "validation_split", 0.0, 1.0)
        if isinstance(shuffle, str):
            raise UnsupportedError(f"shuffle={shuffle!r} is not supported; use True or False")
        opts, opts_buffer = _ffi.create_fit_options()
        opts.epochs = int(epochs)
        opts.batch_size = batch
        opts.shuffle = 1 if shuffle else 0
        opts.verbose = verbose_level
        opts.validation_split = float(validation_split or 0.0)
        opts.initial_epoch = int(initial_epoch)
        keep: List[Any] = [opts_buffer]
        val_feed: Optional[_Feed] = None
        if val_source:
            val_feed = _Feed(self, validation_data, "fit (validation data)", validation_steps, predict=False,
                             reset_each_pass=True)
            opts.validation_source = val_feed.address
        elif validation_data is not None:
            if not isinstance(validation_data, (tuple, list)) or len(validation_data) not in (2, 3):
                raise UnsupportedError("validation_data must be a tuple (x_val, y_val)")
            if len(validation_data) == 3 and validation_data[2] is not None:
                raise UnsupportedError("sample weights in validation_data are not supported")
            vx, vn = self._input_array(validation_data[0], "validation_data x")
            vy = self._target_array(validation_data[1], vn, "validation_data y")
            keep += [vx, vy]
            opts.validation_x, opts.validation_x_len = vx.ctypes.data, vx.size
            opts.validation_y, opts.validation_y_len = vy.ctypes.data, vy.size
        if sample_weight is not None:
            sw = _ffi.as_float32(sample_weight, "sample_weight").reshape(-1)
            keep.append(sw)
            opts.sample_weight, opts.sample_weight_len = sw.ctypes.data, sw.size
        if class_weight is not None:
            cw = self._class_weights(class_weight)
            keep.append(cw)
            opts.class_weight, opts.class_weight_len = cw.ctypes.data, cw.size

        history = callbacks_module.History()
        extra = [_PythonScheduleStepper()] if getattr(self.optimizer, "_python_schedule", None) is not None else []
        cbs = callbacks_module.CallbackList(extra + list(callbacks or []) + [history])
        train_samples = n if validation_data is not None else int(n * (1 - opts.validation_split))
        steps: Optional[int] = -(-train_samples // (batch or self._batch_size or 32))
        if feed is not None:
            steps = int(feed.source.steps) or None
        cbs.set_model(self)
        cbs.set_params({"verbose": verbose_level, "epochs": int(epochs), "steps": steps})
        run = _FitRun(self, cbs, int(epochs))
        log_fn = _ffi.LOG_FN(run.log) if verbose_level else _ffi.LOG_FN()
        epoch_fn = _ffi.EPOCH_FN(run.epoch_end)
        opts.log = log_fn
        opts.on_epoch_end = epoch_fn
        hooks = None
        if cbs.wants_batch_hooks("train") or cbs.wants_batch_hooks("test"):
            hooks = _BatchHooks(self, cbs, ("train", "test"), run=run)
            opts.on_batch = hooks.fn
        self.stop_training = False
        self.history = history
        self._metric_state.output_shape = self._sample_output_shape()
        self._metric_state.error = None
        cbs.on_train_begin()
        if opts.initial_epoch < opts.epochs:
            cbs.on_epoch_begin(int(initial_epoch))
        hist_ptr = c_void_p()
        if feed is not None:
            feed.reset()   # Keras 3 resets its data iterator (the data set's on_epoch_end) before training
            status = _ffi.lib().seqnn_model_fit_source(self._ptr, feed.address, ctypes.addressof(opts), byref(hist_ptr))
        else:
            status = _ffi.lib().seqnn_model_fit(self._ptr, xa, xa.size, ya, ya.size, ctypes.addressof(opts),
                                                byref(hist_ptr))
        error = (run.error or (hooks.error if hooks else None) or (feed.error if feed else None)
                 or (val_feed.error if val_feed else None) or self._metric_state.take_error())
        if hist_ptr.value:
            try:
                if error is None:
                    # The library's record, plus what callbacks added to the logs (learning_rate).
                    history.history = {**history.history, **_read_history(hist_ptr.value)}
            finally:
                _ffi.lib().seqnn_history_free(hist_ptr.value)
        del keep, log_fn, epoch_fn, hooks, feed, val_feed
        self._reraise(status, error, "fit")
        cbs.on_train_end(run.last_logs)
        return history

    @staticmethod
    def _class_weights(class_weight: Dict[int, float]) -> np.ndarray:
        if not isinstance(class_weight, dict):
            raise SeqNNValueError("class_weight must be a dict {class index: weight}")
        if not class_weight:
            return np.ones(1, dtype=np.float32)
        keys = [int(k) for k in class_weight]
        if min(keys) < 0:
            raise SeqNNValueError(f"class_weight keys must be class indices >= 0, found {min(keys)}")
        cw = np.ones(max(keys) + 1, dtype=np.float32)
        for k, v in class_weight.items():
            cw[int(k)] = float(v)
        return cw

    # ---- evaluate / predict ---------------------------------------------------------------------------

    def evaluate(self, x: ArrayLike = None, y: ArrayLike = None, batch_size: Optional[int] = None,
                 verbose: Any = "auto", sample_weight: ArrayLike = None, steps: Optional[int] = None,
                 callbacks: Optional[Sequence[callbacks_module.Callback]] = None, return_dict: bool = False,
                 **kwargs: Any) -> Union[float, List[float], Dict[str, float]]:
        """Keras's ``evaluate``: the loss (with weight penalties) and each metric over the data.

        Returns a float when there are no metrics, else a list ``[loss, metric, ...]`` in
        ``metrics_names`` order; ``return_dict=True`` gives a dict. ``x`` may be a PyDataset or a generator
        of ``(x, y)`` / ``(x, y, sample_weight)`` batches, read for ``steps`` batches or until exhausted.
        ``sample_weight`` with arrays and ``steps`` with arrays are not supported.
        """
        if kwargs:
            raise TypeError(f"evaluate() got unexpected keyword arguments {sorted(kwargs)}")
        source = _is_source(x)
        if not source and (sample_weight is not None or steps is not None):
            raise UnsupportedError("evaluate(sample_weight=..., steps=...) is not supported by SeqNN with array data")
        feed: Optional[_Feed] = None
        self._require_compiled("evaluate") if source else None
        if source:
            if y is not None or sample_weight is not None:
                raise SeqNNValueError("When providing `x` as a data set or generator, `y` and `sample_weight` should "
                                      "not be passed. Instead, they should be included as part of the data set.")
            feed = _Feed(self, x, "evaluate", steps, predict=False, reset_each_pass=True)
            xa = ya = np.zeros(0, dtype=np.float32)
            n = 0
        else:
            xa, n = self._input_array(x)
            self._require_compiled("evaluate")
            ya = self._target_array(y, n)
        verbose_level = self._verbose_arg(verbose)
        batch = self._batch_arg(batch_size)
        cbs = callbacks_module.CallbackList(callbacks or [], model=self)
        cbs.on_test_begin()
        names = self.metrics_names
        results = np.zeros(len(names), dtype=np.float64)
        count = c_size_t(0)
        self._metric_state.output_shape = self._sample_output_shape()
        self._metric_state.error = None
        ropts, rbuf = _ffi.create_run_options()
        ropts.batch_size = batch
        hooks = _BatchHooks(self, cbs, ("test",)) if cbs.wants_batch_hooks("test") else None
        if hooks is not None:
            ropts.on_batch = hooks.fn
        start = time.perf_counter()
        lib = _ffi.lib()
        if feed is not None:
            status = lib.seqnn_model_evaluate_source(self._ptr, feed.address, ctypes.addressof(ropts), results,
                                                     results.size, byref(count))
        elif hooks is not None:
            status = lib.seqnn_model_evaluate_ex(self._ptr, xa, xa.size, ya, ya.size, ctypes.addressof(ropts), results,
                                                 results.size, byref(count))
        else:
            status = lib.seqnn_model_evaluate(self._ptr, xa, xa.size, ya, ya.size, batch, results, results.size,
                                              byref(count))
        error = (hooks.error if hooks else None) or (feed.error if feed else None)
        self._reraise(status, error or self._metric_state.take_error(), "evaluate")
        del hooks, rbuf
        logs = {name: float(v) for name, v in zip(names, results[: count.value])}
        if verbose_level:
            steps_done = int(feed.source.steps) if feed is not None else -(-n // (batch or self._batch_size or 32))
            _progress.emit(_progress.final_line(steps_done, time.perf_counter() - start, logs, verbose_level))
        cbs.on_test_end(logs)
        if return_dict:
            return logs
        values = list(logs.values())
        return values[0] if len(values) == 1 else values

    def predict(self, x: ArrayLike, batch_size: Optional[int] = None, verbose: Any = "auto",
                steps: Optional[int] = None, callbacks: Optional[Sequence[callbacks_module.Callback]] = None,
                **kwargs: Any) -> np.ndarray:
        """Keras's ``predict``: outputs as a float32 array of shape ``(samples,) + output shape``.

        Safe to call from several threads at once; the result does not depend on ``batch_size``.
        A C-contiguous float32 ``x`` is passed to the library without a copy. ``x`` may be a PyDataset or a
        generator of batches (``x``, ``(x,)`` or ``(x, y)``), read for ``steps`` batches or until exhausted.
        """
        if kwargs:
            raise TypeError(f"predict() got unexpected keyword arguments {sorted(kwargs)}")
        source = _is_source(x)
        if steps is not None and not source:
            raise UnsupportedError("predict(steps=...) is not supported by SeqNN with array data")
        feed = _Feed(self, x, "predict", steps, predict=True, reset_each_pass=True) if source else None
        if feed is None:
            xa, n = self._input_array(x)
        verbose_level = self._verbose_arg(verbose)
        batch = self._batch_arg(batch_size)
        cbs = callbacks_module.CallbackList(callbacks or [], model=self) if callbacks else None
        if cbs:
            cbs.on_predict_begin()
        start = time.perf_counter()
        if feed is not None or (cbs is not None and cbs.wants_batch_hooks("predict")):
            out, n = self._predict_hooked(xa if feed is None else None, feed, batch, cbs)
        else:
            out = self._predict_raw(xa, n, batch)
        if verbose_level:
            steps_done = int(feed.source.steps) if feed is not None and feed.source.steps else -(-n // (batch or self._batch_size or 32))
            _progress.emit(_progress.final_line(steps_done, time.perf_counter() - start, None, verbose_level))
        if cbs:
            cbs.on_predict_end()
        return out

    def _predict_hooked(self, xa: Optional[np.ndarray], feed: Optional["_Feed"], batch: int,
                        cbs: Optional[callbacks_module.CallbackList]) -> Tuple[np.ndarray, int]:
        """predict with the batch hook: Keras's on_predict_batch_* for `cbs`, and from a data source the
        outputs, which come batch by batch (their number is not known in advance)."""
        shape = self._sample_output_shape()
        hooks = _BatchHooks(self, cbs, ("predict",), shape, collect=feed is not None)
        ropts, rbuf = _ffi.create_run_options()
        ropts.batch_size = batch
        ropts.on_batch = hooks.fn
        lib = _ffi.lib()
        needed = c_size_t(0)
        if feed is not None:
            status = lib.seqnn_model_predict_source(self._ptr, feed.address, ctypes.addressof(ropts), None, 0,
                                                    byref(needed))
            error = hooks.error or feed.error
        else:
            assert xa is not None
            n = int(xa.shape[0])
            out = np.empty((n,) + tuple(shape), dtype=np.float32)
            flat = out.reshape(-1)
            status = lib.seqnn_model_predict_ex(self._ptr, xa, xa.size, ctypes.addressof(ropts), flat, flat.size,
                                                byref(needed))
            error = hooks.error
        self._reraise(status, error, "predict")
        del rbuf
        if feed is not None:
            outs = hooks.outputs or []
            out = np.concatenate(outs) if outs else np.zeros((0,) + tuple(shape), dtype=np.float32)
        return out, int(out.shape[0])

    def _predict_raw(self, xa: np.ndarray, n: int, batch: int) -> np.ndarray:
        size = self._output_size()
        shape = self._sample_output_shape() if size is not None else ()
        out = np.empty((n,) + tuple(shape) if size is not None else (max(n, 1),), dtype=np.float32)
        flat = out.reshape(-1)
        needed = c_size_t(0)
        status = _ffi.lib().seqnn_model_predict(self._ptr, xa, xa.size, batch, flat, flat.size if size else 0,
                                                byref(needed))
        if status != _ffi.SEQNN_OK:
            raise _ffi.make_error(status)
        return out

    def predict_on_batch(self, x: ArrayLike) -> np.ndarray:
        """Predictions for one batch (all of ``x`` at once)."""
        xa, n = self._input_array(x)
        return self._predict_raw(xa, n, max(n, 1))

    def __call__(self, inputs: ArrayLike, training: Optional[bool] = None, mask: Any = None) -> ops_module.Tensor:
        """``model(x)``: predictions for ``x`` as one batch, as an ``ops.Tensor`` (a numpy array with
        Keras's ``.numpy()``: Keras returns a tensor, and tutorials write ``model(x).numpy()``)."""
        if training:
            raise UnsupportedError("model(x, training=True) is not supported; fit() trains, model(x) predicts")
        return ops_module.tensor(self.predict_on_batch(inputs))

    def train_on_batch(self, x: ArrayLike, y: ArrayLike = None, sample_weight: ArrayLike = None,
                       class_weight: Optional[Dict[int, float]] = None,
                       return_dict: bool = False) -> Union[float, List[float], Dict[str, float]]:
        """One optimizer step on exactly these samples; returns loss and metrics for this batch, computed
        before the update (as Keras reports them)."""
        xa, n = self._input_array(x)
        self._require_compiled("train_on_batch")
        ya = self._target_array(y, n)
        names = self.metrics_names
        self._metric_state.output_shape = self._sample_output_shape()
        self._metric_state.error = None
        self._step_python_schedule()
        if sample_weight is not None or class_weight is not None:
            values = self._train_weighted_batch(xa, ya, n, names, sample_weight, class_weight)
        else:
            results = np.zeros(len(names), dtype=np.float64)
            count = c_size_t(0)
            status = _ffi.lib().seqnn_model_train_on_batch(self._ptr, xa, xa.size, ya, ya.size, results,
                                                           results.size, byref(count))
            self._reraise(status, self._metric_state.take_error(), "train_on_batch")
            values = [float(v) for v in results[: count.value]]
        logs = dict(zip(names, values))
        if return_dict:
            return logs
        return values[0] if len(values) == 1 else values

    def _train_weighted_batch(self, xa: np.ndarray, ya: np.ndarray, n: int, names: List[str],
                              sample_weight: ArrayLike, class_weight: Optional[Dict[int, float]]) -> List[float]:
        # seqnn_model_train_on_batch takes no weights; one unshuffled epoch with the whole batch is the same step.
        opts, buf = _ffi.create_fit_options()
        opts.epochs, opts.batch_size, opts.shuffle, opts.verbose = 1, n, 0, 0
        keep: List[Any] = [buf]
        if sample_weight is not None:
            sw = _ffi.as_float32(sample_weight, "sample_weight").reshape(-1)
            keep.append(sw)
            opts.sample_weight, opts.sample_weight_len = sw.ctypes.data, sw.size
        if class_weight is not None:
            cw = self._class_weights(class_weight)
            keep.append(cw)
            opts.class_weight, opts.class_weight_len = cw.ctypes.data, cw.size
        hist_ptr = c_void_p()
        status = _ffi.lib().seqnn_model_fit(self._ptr, xa, xa.size, ya, ya.size, ctypes.addressof(opts),
                                            byref(hist_ptr))
        error = self._metric_state.take_error()
        values: List[float] = []
        if hist_ptr.value:
            try:
                h = _read_history(hist_ptr.value)
                values = [h[name][-1] for name in names]
            finally:
                _ffi.lib().seqnn_history_free(hist_ptr.value)
        self._reraise(status, error, "train_on_batch")
        return values

    def test_on_batch(self, x: ArrayLike, y: ArrayLike = None, sample_weight: ArrayLike = None,
                      return_dict: bool = False) -> Union[float, List[float], Dict[str, float]]:
        """Loss and metrics for one batch (all of ``x`` at once), without training."""
        xa, n = self._input_array(x)
        return self.evaluate(xa, y, batch_size=max(n, 1), verbose=0, sample_weight=sample_weight,
                             return_dict=return_dict)

    # ---- files ----------------------------------------------------------------------------------------

    def save(self, filepath: Union[str, "os.PathLike[str]"], overwrite: bool = True, include_optimizer: bool = True,
             save_format: Optional[str] = None, *, keras2_optimizer_weights: bool = False,
             test_x: ArrayLike = None, **kwargs: Any) -> None:
        """Saves the model as a Keras 3 ``.keras`` archive or a Keras ``.h5`` file (Keras 2 and 3 load it), as the
        path's extension says: architecture, weights, and when compiled the training config and optimizer state. Written to a temporary file and renamed, so a
        failed save leaves an earlier file untouched.

        Args:
            filepath: a path ending in ``.keras`` (Keras 3's native format) or ``.h5`` / ``.hdf5``.
            overwrite: False raises ``FileExistsError`` when the file exists.
            include_optimizer: write the training config and optimizer state.
            keras2_optimizer_weights: also write Keras 2's optimizer_weights group (tf_keras resumes with it).
            test_x: samples whose current predictions are stored in the file, to verify it later.
        """
        if kwargs:
            raise TypeError(f"save() got unexpected keyword arguments {sorted(kwargs)}")
        path = _model_path(filepath, save_format)
        if not overwrite and os.path.exists(path):
            raise FileExistsError(f"{path} exists and overwrite=False")
        opts, buf = _ffi.create_save_options()
        opts.include_optimizer = 1 if include_optimizer else 0
        opts.keras2_optimizer_weights = 1 if keras2_optimizer_weights else 0
        keep: List[Any] = [buf]
        if test_x is not None:
            tx, _ = self._input_array(test_x, "test_x")
            keep.append(tx)
            opts.test_x, opts.test_x_len = tx.ctypes.data, tx.size
        self._call("seqnn_model_save", os.fsencode(path), ctypes.addressof(opts))
        del keep

    def save_weights(self, filepath: Union[str, "os.PathLike[str]"], overwrite: bool = True) -> None:
        """Saves the weights. A path ending in ``.weights.h5`` gets Keras 3's weights file (layers' and, when
        compiled, the optimizer's variables), which Keras 3's ``load_weights`` reads; any other ``.h5`` path a
        model file without optimizer state, which Keras 2's ``load_weights`` reads."""
        path = _path(filepath)
        if not overwrite and os.path.exists(path):
            raise FileExistsError(f"{path} exists and overwrite=False")
        if path.lower().endswith(".weights.h5"):
            self._call("seqnn_model_save", os.fsencode(path), None)
        else:
            self.save(filepath, overwrite=overwrite, include_optimizer=False)

    def load_weights(self, filepath: Union[str, "os.PathLike[str]"], skip_mismatch: bool = False,
                     by_name: bool = False, *, trusted: bool = False, memory_limit: Optional[int] = None,
                     time_limit: Optional[float] = None, **kwargs: Any) -> None:
        """Loads the weights of a Keras ``.h5`` model file into this built model, layer by layer in order.
        Every array is checked before any weight changes. ``trusted``, ``memory_limit``, ``time_limit``: as
        for ``load_model`` (by default the file is read in SeqNN's reader process)."""
        if skip_mismatch or by_name:
            raise UnsupportedError("load_weights(skip_mismatch=True / by_name=True) is not supported")
        path = _path(filepath)
        _, keep = load_options(trusted, memory_limit, time_limit)
        status = _ffi.lib().seqnn_model_load_weights_ex(self._ptr, os.fsencode(path), ctypes.addressof(keep))
        if status != _ffi.SEQNN_OK:
            raise _file_error(status, path)

    def get_config(self) -> Dict[str, Any]:
        """Keras's ``get_config()``: the name and each layer's ``{"class_name", "config"}``."""
        layers = []
        c = self._c_input_shape()
        if c is not None:
            layers.append({"class_name": "InputLayer", "config": {"batch_shape": [c[1]] + list(c[0])}})
        layers += [{"class_name": lyr._class_name, "config": lyr.get_config()} for lyr in self._layers]
        return {"name": self.name, "layers": layers}

    @classmethod
    def from_config(cls, config: Dict[str, Any], custom_objects: Any = None) -> "Sequential":
        model = cls(name=config.get("name"))
        for item in config.get("layers", []):
            model.add(layers_module.deserialize(item))
        return model

    def __repr__(self) -> str:
        return f"<Sequential name={self.name}, built={self._is_built()}, layers={len(self._layers)}>"


class _PythonScheduleStepper(callbacks_module.Callback):
    """Runs a Python LearningRateSchedule: before each training batch, the library's rate becomes
    schedule(iterations), as Keras's optimizer evaluates it."""

    def on_train_batch_begin(self, batch: int, logs: Optional[Dict[str, float]] = None) -> None:
        self.model._step_python_schedule()


class _FitRun:
    """The Python side of one fit call: the log sink and the epoch callback, and the first exception
    raised in either (re-raised by fit once the library has returned)."""

    def __init__(self, model: Sequential, cbs: callbacks_module.CallbackList, epochs: int) -> None:
        self.model = model
        self.cbs = cbs
        self.epochs = epochs
        self.error: Optional[BaseException] = None
        self.last_logs: Dict[str, float] = {}
        # on_test_begin already called for this epoch's validation (by the batch hook, before its batch 0)
        self.test_begun = False

    def log(self, user_data: Any, text: bytes) -> None:
        try:
            _progress.emit(text.decode("utf-8", "replace"))
        except BaseException as e:  # stopped at the end of the epoch
            if self.error is None:
                self.error = e

    def epoch_end(self, user_data: Any, epoch: int, names: Any, values: Any, count: int) -> int:
        try:
            if self.error is not None:
                return 1
            logs = {names[i].decode("utf-8", "replace"): float(values[i]) for i in range(count)}
            self.last_logs = logs
            val = {k[4:]: v for k, v in logs.items() if k.startswith("val_")}
            if val:   # Keras 3 validates through evaluate(callbacks=...): on_test_begin ... on_test_end(logs)
                if not self.test_begun:
                    self.cbs.on_test_begin()
                self.cbs.on_test_end(val)
            self.test_begun = False
            self.cbs.on_epoch_end(int(epoch), logs)
            if self.model.stop_training:
                return 1
            if epoch + 1 < self.epochs:
                self.cbs.on_epoch_begin(int(epoch) + 1)
            return 0
        except BaseException as e:
            if self.error is None:
                self.error = e
            return 1


def _summary_row(fields: Sequence[Any], positions: Sequence[int]) -> List[str]:
    """tf.keras print_summary's print_row: fields cut at their column ends (2 spaces between columns),
    continued on further lines, breaking preferably after "),", "},", "],", "',"."""
    left = [str(f) for f in fields]
    lines = []
    while any(left):
        line = ""
        for col in range(len(left)):
            start = positions[col - 1] if col > 0 else 0
            space = 2 if col != len(positions) - 1 else 0
            cutoff = positions[col] - start - space - (1 if col != len(positions) - 1 else 0)
            fit = left[col][:cutoff]
            breaks = [fit.find(b) + len(b) for b in ("),", "},", "],", "',") if fit.find(b) >= 0]
            if breaks:
                cutoff = min(breaks)
                fit = fit[:cutoff]
            if col == 0:
                line += " "
            line += fit + " " * space
            left[col] = left[col][cutoff:]
            line += " " * (positions[col] - len(line))
        lines.append(line)
    return lines


def _read_history(ptr: int) -> Dict[str, List[float]]:
    lib = _ffi.lib()
    epochs = lib.seqnn_history_epochs(ptr)
    out: Dict[str, List[float]] = {}
    for i in range(lib.seqnn_history_key_count(ptr)):
        key = lib.seqnn_history_key(ptr, i)
        values = np.zeros(max(epochs, 1), dtype=np.float64)
        count = c_size_t(0)
        status = lib.seqnn_history_get(ptr, key, values, values.size, byref(count))
        _ffi.check(status)
        out[_ffi.decode(key)] = [float(v) for v in values[: count.value]]
    return out


def _path(filepath: Any) -> str:
    """A file path as a str (bytes and os.PathLike accepted), refused with a Python exception when the
    library would see another file: an embedded NUL ends the C string early (``'a.h5\\0/evil.h5'`` would
    name ``a.h5``)."""
    return os.fsdecode(_args.path(filepath))


def _model_path(filepath: Any, save_format: Optional[str] = None) -> str:
    """The path to save to; its extension chooses the format in the library (``.keras``: Keras 3's archive,
    ``.h5`` / ``.hdf5``: the legacy HDF5 file), as in Keras 3."""
    path = _path(filepath)
    if save_format not in (None, "h5", "keras"):
        raise UnsupportedError(f"save_format={save_format!r} is not supported; SeqNN writes .keras and .h5 files")
    lower = path.lower()
    if save_format == "h5" and lower.endswith(".keras"):
        raise SeqNNValueError(f"{path}: save_format='h5' with a .keras path; name the file .h5")
    if not (lower.endswith(".keras") or lower.endswith(".h5") or lower.endswith(".hdf5")) and save_format != "h5":
        raise SeqNNValueError(f"Invalid filepath extension for saving. Please add either a `.keras` extension for the "
                              f"native Keras format (recommended) or a `.h5` extension. Received: filepath={path}")
    return path


def _optimizer_object(optimizer: Any) -> Any:
    """What ``model.optimizer`` holds after ``compile(optimizer)``: the object itself, or one made from a
    name or config dict as Keras does (a dict for a class this package has no Python class for stays a dict;
    the library may still know it)."""
    if optimizer is None:
        return optimizers_module.get("rmsprop")
    if isinstance(optimizer, str) and optimizer.lower() in optimizers_module._BY_NAME:
        return optimizers_module.get(optimizer)
    if isinstance(optimizer, dict):
        try:
            return optimizers_module.deserialize(optimizer)
        except (TypeError, ValueError):
            return optimizer
    return optimizer


def _file_error(status: int, path: str) -> SeqNNError:
    err = _ffi.make_error(status)
    if status == _ffi.SEQNN_IO_ERROR and not os.path.exists(path):
        return SeqNNFileNotFoundError(err.message, status, err.status_name)
    return err


def load_options(trusted: bool = False, memory_limit: Optional[int] = None,
                 time_limit: Optional[float] = None) -> Tuple[Any, Any]:
    """``seqnn_load_options`` for ``load_model`` / ``load_weights``:

    - ``trusted=False`` (default): libhdf5 reads the file in SeqNN's reader process under a time and memory
      limit, so a damaged or hostile file gives an error instead of crashing or hanging Python;
      ``trusted=True`` reads it in this process (no process start), for files you trust only.
    - ``memory_limit``: bytes the load may allocate (arrays of the file, the model's weights), checked against
      declared sizes before allocating; default half the machine's memory.
    - ``time_limit``: seconds the reader may take; default 10 s + 5 s per 100 MB.
    """
    if not isinstance(trusted, bool):
        raise TypeError(f"trusted must be a bool, got {type(trusted).__name__}")
    opts, keep = _ffi.create_load_options()
    opts.trusted = int(trusted)
    if memory_limit is not None:
        if isinstance(memory_limit, bool) or not isinstance(memory_limit, int):
            raise TypeError(f"memory_limit must be an int (bytes), got {type(memory_limit).__name__}")
        if not 0 < memory_limit < 2 ** 62:
            raise ValueError(f"memory_limit must be a positive number of bytes, got {memory_limit}")
        opts.memory_limit = memory_limit
    if time_limit is not None:
        if isinstance(time_limit, bool) or not isinstance(time_limit, (int, float)):
            raise TypeError(f"time_limit must be a number of seconds, got {type(time_limit).__name__}")
        if not 0 < time_limit <= 1e6:
            raise ValueError(f"time_limit must be a positive number of seconds (at most 1e6), got {time_limit}")
        opts.time_limit = float(time_limit)
    return opts, keep


def load_model(filepath: Union[str, "os.PathLike[str]"], custom_objects: Optional[Dict[str, Any]] = None,
               compile: bool = True, safe_mode: bool = True, *, seed: Optional[int] = None,
               trusted: bool = False, memory_limit: Optional[int] = None,
               time_limit: Optional[float] = None) -> Sequential:
    """Loads a model file written by Keras 2, Keras 3 or SeqNN: a ``.h5`` file or a Keras 3 ``.keras`` archive.

    Args:
        filepath: the file.
        custom_objects: ``{"name": function}`` for custom metrics the file names (as in Keras, e.g.
            ``{"mean_pred": mean_pred}``); without them the model predicts but fit/evaluate fail.
        compile: False gives a model that must be compiled before training (weights are loaded either way).
        safe_mode: accepted (SeqNN never runs code from files).
        seed: SeqNN's addition: seeds shuffling and dropout for files written by Keras (a SeqNN file
            carries its generator state).
        trusted, memory_limit, time_limit: SeqNN's additions, see ``load_options``.
    Raises ``FileNotFoundError``/``OSError`` for missing or unreadable files and ``ValueError`` (also an
    ``OSError``, ``seqnn.FormatError``) for malformed, damaged or hostile ones, with the library's message,
    and ``MemoryError`` when the file declares more than ``memory_limit``. Any file is safe to load: libhdf5
    reads it in SeqNN's reader process, so a damaged file cannot crash or hang Python.
    """
    path = _path(filepath)
    s = _args.integer(seed, "seed", 0, 2**64 - 1) if seed is not None else utils_module.next_seed()
    out = c_void_p()
    opts, keep = load_options(trusted, memory_limit, time_limit)
    status = _ffi.lib().seqnn_model_load_ex(os.fsencode(path), s, ctypes.addressof(keep), byref(out))
    if status != _ffi.SEQNN_OK:
        raise _file_error(status, path)
    model = Sequential.__new__(Sequential)
    model._seed = s
    assert out.value is not None
    model._setup(out.value, None)
    lib = _ffi.lib()
    for i in range(lib.seqnn_model_layer_count(model._ptr)):
        layer = layers_module._bare(_ffi.decode(lib.seqnn_model_layer_class(model._ptr, i)),
                                    _ffi.decode(lib.seqnn_model_layer_name(model._ptr, i)))
        layer._model = model
        model._layers.append(layer)
    # The Python-side build state (used when layers are added later and for steps per epoch) from the file.
    c = model._c_input_shape()
    if c is not None:
        model._input_shape, model._batch_size = c
    _register_file_metrics(model, custom_objects or {})
    if not compile:
        model._force_uncompiled = True
    return model


#: Metric names the library computes itself (Metrics.named in the core); anything else a file names is
#: either a custom metric or a renamed Keras metric object.
_LIBRARY_METRIC_NAMES = {"accuracy", "acc", "binary_accuracy", "categorical_accuracy", "sparse_categorical_accuracy",
                         "top_k_categorical_accuracy", "mse", "mean_squared_error", "mae", "mean_absolute_error",
                         "MeanSquaredError", "MeanAbsoluteError"}


def _register_file_metrics(model: Sequential, custom_objects: Dict[str, Any]) -> None:
    """Registers the custom metrics a compiled file names, from ``custom_objects`` (as Keras's load_model
    takes them). The C API has no call listing the metric names that still need a function, so: every
    metric name of the file found in ``custom_objects`` is registered; other names the library does not
    compute itself get a warning. (Older libraries refuse metric names until the function is registered;
    their message names the metric.)"""
    lib = _ffi.lib()
    names: List[str] = []
    missing: List[str] = []
    for _ in range(64):
        count = c_size_t(0)
        status = lib.seqnn_model_metric_count(model._ptr, byref(count))
        if status == _ffi.SEQNN_OK:
            names = [_ffi.decode(lib.seqnn_model_metric_name(model._ptr, i)) for i in range(count.value)][1:]
            break
        m = _UNKNOWN_METRIC.search(_ffi.last_error()) if status == _ffi.SEQNN_INVALID_ARGUMENT else None
        if m is None or not _register_custom(model, m.group(1), custom_objects.get(m.group(1))):
            if m is not None:
                missing.append(m.group(1))
            break
    for name in names:
        if name in model._metric_state.functions:
            continue
        if not _register_custom(model, name, custom_objects.get(name)) and name not in _LIBRARY_METRIC_NAMES:
            missing.append(name)
    if missing:
        listed = ", ".join(f"'{n}': function" for n in missing)
        warnings.warn(f"the model file names the metric(s) {', '.join(repr(n) for n in missing)}, which SeqNN does "
                      f"not compute itself; if they are custom metrics, pass custom_objects={{{listed}}} to "
                      f"load_model to train or evaluate (predict works without)", stacklevel=3)


def _register_custom(model: Sequential, name: str, fn: Any) -> bool:
    """Registers ``fn`` as the custom metric ``name``; False when ``fn`` is not a function."""
    if fn is None or not callable(fn) or isinstance(fn, type):
        return False
    if isinstance(fn, metrics_module.MeanMetricWrapper):
        wrapper = fn
        fn = lambda t, p, w=wrapper: w._fn(t, p, **w._fn_kwargs)  # noqa: E731
    cb = model._metric_state.make_callback(name)
    model._call("seqnn_model_add_metric", _ffi.encode(name, "metric name"), cb, None)
    model._keepalive.append(cb)
    model._metric_state.functions[name] = fn
    return True


def save_model(model: Sequential, filepath: Union[str, "os.PathLike[str]"], overwrite: bool = True,
               **kwargs: Any) -> None:
    """``keras.models.save_model``: the same as ``model.save``."""
    model.save(filepath, overwrite=overwrite, **kwargs)


# ---- batch hooks and data sources (fit/evaluate/predict helpers) --------------------------------------

_PHASES = ("train", "test", "predict")
_HOOK_NAMES = (("on_train_batch_begin", "on_train_batch_end"), ("on_test_batch_begin", "on_test_batch_end"),
               ("on_predict_batch_begin", "on_predict_batch_end"))


class _BatchHooks:
    """The Python side of ``seqnn_batch_hook_fn`` for one call: Keras 3's batch hooks on a CallbackList, and
    for predict from a data source the outputs of every batch. Made only when a callback overrides a batch
    hook (or outputs must be collected), so plain calls cost no Python call per batch. Records the first
    exception (the library then stops with SEQNN_CALLBACK_STOPPED and the caller re-raises it)."""

    def __init__(self, model: Sequential, cbs: Optional[callbacks_module.CallbackList], phases: Sequence[str],
                 output_shape: Tuple[int, ...] = (), collect: bool = False, run: Optional["_FitRun"] = None) -> None:
        self.model = model
        self.run = run
        self.cbs = cbs
        self.phases = {_PHASES.index(p) for p in phases}
        self.output_shape = tuple(output_shape)
        self.outputs: Optional[List[np.ndarray]] = [] if collect else None
        self.error: Optional[BaseException] = None
        self.fn = _ffi.BATCH_HOOK_FN(self.call)

    def call(self, user_data: Any, phase: int, end: int, batch: int, names: Any, values: Any, count: int,
             outputs: Any, outputs_len: int) -> int:
        try:
            if self.error is not None:
                return -1
            if phase == 2 and end:
                out = np.ctypeslib.as_array(outputs, shape=(outputs_len,)).reshape((-1,) + self.output_shape).copy()
                if self.outputs is not None:
                    self.outputs.append(out)
                logs: Optional[Dict[str, Any]] = {"outputs": out}
            else:
                logs = {names[i].decode("utf-8", "replace"): float(values[i]) for i in range(count)} if end else None
            if self.run is not None and phase == 1 and not end and batch == 0 and self.cbs is not None:
                self.run.test_begun = True   # fit's validation starts: Keras's evaluate calls on_test_begin
                self.cbs.on_test_begin()
            if self.cbs is not None and phase in self.phases:
                getattr(self.cbs, _HOOK_NAMES[phase][end])(int(batch), logs)
            if phase == 0 and getattr(self.model, "stop_training", False):
                return 1
            return 0
        except BaseException as e:  # re-raised by the caller once the library has returned
            self.error = e
            return -1


def _is_dataset(x: Any) -> bool:
    """A keras.utils.PyDataset / Sequence, SeqNN's or Keras's own (duck-typed: __getitem__ + __len__ or
    num_batches, and not an array or a container of arrays)."""
    if isinstance(x, utils_module.PyDataset):
        return True
    if isinstance(x, (np.ndarray, list, tuple, dict, str, bytes)):
        return False
    return hasattr(x, "__getitem__") and (hasattr(x, "__len__") or hasattr(x, "num_batches")) \
        and any(c.__name__ in ("PyDataset", "Sequence") for c in type(x).__mro__)


def _is_generator(x: Any) -> bool:
    return hasattr(x, "__next__") and hasattr(x, "__iter__") and not isinstance(x, np.ndarray)


def _is_source(x: Any) -> bool:
    return _is_dataset(x) or _is_generator(x)


def _dataset_len(ds: Any) -> Optional[int]:
    n = getattr(ds, "num_batches", None) if not hasattr(ds, "__len__") else len(ds)
    return None if n is None else int(n)


class _Feed:
    """A PyDataset or a generator as a ``seqnn_batch_source``: the library owns the batch buffers and calls
    ``fill`` for one batch at a time, which copies it there once (nothing of the whole data set is copied).

    The buffers hold as many samples as the first batch (read ahead, as Keras 3 peeks at it for its tensor
    spec), so later batches may be smaller, never larger. A PyDataset is indexable (fit with shuffle visits
    its batches in a new order each epoch, as Keras 3's PyDatasetAdapter does); a generator is a stream.
    Keras 3 calls the data set's ``on_epoch_end`` when fit/evaluate/predict start (its iterator's reset) and
    after each pass, and ``on_epoch_begin`` before each pass; so does this (``reset_each_pass`` for the data
    of evaluate, predict and validation, which Keras resets before every pass)."""

    def __init__(self, model: Sequential, data: Any, what: str, steps: Optional[int], predict: bool,
                 reset_each_pass: bool) -> None:
        steps = _args.optional_integer(steps, f"{what}: steps" if what != "fit" else "steps_per_epoch", minimum=1)
        self.model = model
        self.data = data
        self.what = what
        self.predict = predict
        self.reset_each_pass = reset_each_pass
        self.error: Optional[BaseException] = None
        self.in_pass = False
        self.dataset = _is_dataset(data)
        self.pending: List[Any] = []
        length = _dataset_len(data) if self.dataset else None
        if self.dataset and length is None:   # an endless PyDataset: read it as a stream
            self.dataset = False
            self.data = iter(data)
        if self.dataset:
            if length == 0:
                raise SeqNNValueError(f"{what}: the PyDataset has length 0")
            if steps is not None and steps < length:
                # Keras: an epoch of `steps` batches continues where the last one stopped (a stream over passes)
                self.dataset = False
                self.data = self._cycle(data, length)
            first = data[0] if self.dataset else next(self.data)
        else:
            try:
                first = next(self.data)
            except StopIteration:
                raise SeqNNValueError(f"{what}: the generator must yield at least one batch; it yielded none") from None
        if not self.dataset:
            self.pending.append(first)
        fx, fy, fw = self._standardize(first, 0)
        model._ensure_built(fx)
        self.in_size = model._input_size() or 1
        self.max_rows = max(int(fx.shape[0]), 1)
        self.has_weights = fw is not None and not predict
        self.source, self._buf = _ffi.create_batch_source()
        self.fill_fn = _ffi.BATCH_FN(self.fill)
        self.end_fn = _ffi.END_PASS_FN(self.end_pass)
        self.source.next_batch = self.fill_fn
        self.source.end_pass = self.end_fn
        self.source.max_rows = self.max_rows
        self.source.indexable = 1 if self.dataset else 0
        self.source.steps = (min(steps, length) if steps is not None else length) if self.dataset and length \
            else (steps or 0)
        self.source.sample_weights = 1 if self.has_weights else 0

    @staticmethod
    def _cycle(ds: Any, length: int) -> Any:
        while True:
            for i in range(length):
                yield ds[i]
            if hasattr(ds, "on_epoch_end"):
                ds.on_epoch_end()

    @property
    def address(self) -> int:
        return ctypes.addressof(self.source)

    def reset(self) -> None:
        if self.dataset and hasattr(self.data, "on_epoch_end"):
            self.data.on_epoch_end()

    def _standardize(self, batch: Any, index: int) -> Tuple[np.ndarray, Optional[np.ndarray], Optional[np.ndarray]]:
        if isinstance(batch, list):
            batch = tuple(batch)
        if not isinstance(batch, tuple):
            batch = (batch,)
        if len(batch) not in (1, 2, 3):
            raise SeqNNValueError(f"{self.what}: batch {index} must be x, (x,), (x, y) or (x, y, sample_weight); "
                                  f"found a tuple of {len(batch)}")
        x = _ffi.as_float32(batch[0], f"{self.what}: batch {index} x")
        if x.ndim == 0:
            raise SeqNNValueError(f"{self.what}: batch {index}: x must have a batch dimension, found a scalar")
        y = None if len(batch) < 2 or batch[1] is None else _ffi.as_float32(batch[1], f"{self.what}: batch {index} y")
        w = None if len(batch) < 3 or batch[2] is None else _ffi.as_float32(batch[2], f"{self.what}: batch {index} sample_weight")
        return x, y, w

    def _next(self, index: int) -> Any:
        if self.dataset:
            return self.data[int(index)]
        if self.pending:
            return self.pending.pop(0)
        try:
            return next(self.data)
        except StopIteration:
            return None

    def fill(self, user_data: Any, index: int, xp: Any, yp: Any, y_width: int, wp: Any, rows: Any) -> int:
        try:
            if self.error is not None:
                return -1
            if not self.in_pass:
                self.in_pass = True
                if self.reset_each_pass:
                    self.reset()
                if hasattr(self.data, "on_epoch_begin") and self.dataset:
                    self.data.on_epoch_begin()
            batch = self._next(index)
            if batch is None:
                rows[0] = 0
                return 0
            x, y, w = self._standardize(batch, index)
            n = int(x.shape[0])
            if x.size != n * self.in_size:
                raise ShapeMismatchError(f"{self.what}: batch {index}: x has shape {tuple(x.shape)}; the model takes "
                                         f"{self.in_size} values per sample (input shape {self.model.input_shape})")
            if n > self.max_rows:
                raise ShapeMismatchError(f"{self.what}: batch {index} has {n} samples, more than the first batch's "
                                         f"{self.max_rows} (the library's batch buffers are sized by the first batch)")
            if n == 0:
                raise SeqNNValueError(f"{self.what}: batch {index} is empty")
            ctypes.memmove(xp, x.ctypes.data, x.nbytes)
            if yp:
                if y is None:
                    raise SeqNNValueError(f"{self.what}: batch {index} has no targets; yield (x, y) batches")
                if y.size != n * y_width:
                    raise ShapeMismatchError(f"{self.what}: batch {index}: y has shape {tuple(y.shape)} for {n} samples; "
                                             f"the loss expects {y_width} values per sample")
                ctypes.memmove(yp, y.ctypes.data, y.nbytes)
            if wp:
                wa = np.ones(n, dtype=np.float32) if w is None else w.reshape(-1)
                if wa.size != n:
                    raise ShapeMismatchError(f"{self.what}: batch {index}: sample_weight has {wa.size} values for {n} samples")
                ctypes.memmove(wp, wa.ctypes.data, wa.nbytes)
            rows[0] = n
            return 0
        except BaseException as e:  # re-raised by the caller once the library has returned
            if self.error is None:
                self.error = e
            return -1

    def end_pass(self, user_data: Any) -> None:
        try:
            self.in_pass = False
            if self.dataset and hasattr(self.data, "on_epoch_end"):
                self.data.on_epoch_end()
        except BaseException as e:
            if self.error is None:
                self.error = e
