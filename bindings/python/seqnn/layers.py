"""``keras.layers``: the layers the C library offers, with Keras's argument names and defaults.

A layer object holds its Keras config; ``Sequential.add`` hands the config to ``seqnn_model_add`` as
JSON, and from then on the layer reads and writes its weights in the model. Every layer accepts Keras's
common keyword arguments: ``name``, ``trainable``, ``dtype`` (float32 only), and on the first layer the
input forms ``input_shape``, ``input_dim``, ``input_length``, ``batch_size`` and ``batch_input_shape``.

The classes follow from the library: any Keras layer class it can build (``seqnn_layer_class_names``) that
has no hand-written class here is still ``seqnn.layers.<ClassName>`` (and ``seqnn.keras.layers``), a
generic class made on first use that takes Keras's arguments by keyword and passes them to the library
as the layer's config, as the hand-written ones do. So a layer added to the library needs no Python edit.
An unknown name raises AttributeError naming the closest classes.
"""
from __future__ import annotations

import difflib
import threading
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Sequence, Tuple, Type

import numpy as np

from . import _config, _ffi
from ._errors import NumericError, SeqNNError, SeqNNValueError, UnsupportedError

if TYPE_CHECKING:
    from .models import Sequential

__all__ = ["Layer", "InputLayer", "Input", "KerasTensor", "Dense", "Activation", "Dropout", "Flatten", "Reshape", "ConfigLayer",
           "Conv1D", "Conv2D", "MaxPooling1D", "MaxPooling2D", "AveragePooling1D", "AveragePooling2D",
           "GlobalMaxPooling1D", "GlobalMaxPooling2D", "GlobalAveragePooling1D", "GlobalAveragePooling2D",
           "ZeroPadding1D", "ZeroPadding2D", "UpSampling1D", "UpSampling2D", "Cropping1D", "Cropping2D", "Embedding",
           "SimpleRNN", "LSTM", "GRU", "Bidirectional", "TimeDistributed", "BatchNormalization", "LayerNormalization",
           "RepeatVector", "Permute", "Normalization", "ReLU", "LeakyReLU", "PReLU", "ELU", "Softmax",
           "ThresholdedReLU", "Rescaling", "Masking", "Convolution1D", "Convolution2D", "MaxPool1D", "MaxPool2D", "AvgPool1D",
           "AvgPool2D", "GlobalMaxPool1D", "GlobalMaxPool2D", "GlobalAvgPool1D", "GlobalAvgPool2D",
           "deserialize", "serialize"]

Shape = Tuple[Optional[int], ...]


class Variable:
    """A weight of a layer as Keras's ``layer.weights`` lists it: name, shape, ``numpy()``.

    It reads the model each time (so it always shows the current values); ``assign`` writes it back.
    """

    def __init__(self, layer: "Layer", index: int, name: str) -> None:
        self._layer = layer
        self._index = index
        self.name = name

    @property
    def path(self) -> str:
        return f"{self._layer.name}/{self.name}"

    @property
    def shape(self) -> Tuple[int, ...]:
        model, i = self._layer._require_model("weights")
        return model._weight_shape(i, self._index)

    @property
    def trainable(self) -> bool:
        return self._layer.trainable

    def numpy(self) -> np.ndarray:
        model, i = self._layer._require_model("weights")
        return model._get_weight(i, self._index)

    def assign(self, value: Any) -> None:
        model, i = self._layer._require_model("weights")
        model._set_weight(i, self._index, value)

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        a = self.numpy()
        return a if dtype is None else a.astype(dtype)

    def __repr__(self) -> str:
        return f"<Variable path={self.path}, shape={self.shape}, dtype=float32>"


class KerasTensor:
    """Keras 3's symbolic tensor as a Sequential model shows it (``layer.input``, ``layer.output``,
    ``model.inputs``, ``model.outputs``): a shape with the batch dimension (None unless fixed), a dtype and
    a name. SeqNN computes nothing with it; it describes the model's tensors, read from the library."""

    def __init__(self, shape: Sequence[Optional[int]], dtype: str = "float32", name: Optional[str] = None) -> None:
        self.shape: Shape = tuple(shape)
        self.dtype = dtype
        self.name = name or "keras_tensor"
        self.sparse = False
        self.ragged = False

    @property
    def ndim(self) -> int:
        return len(self.shape)

    def __repr__(self) -> str:
        return (f"<KerasTensor shape={self.shape}, dtype={self.dtype}, sparse={self.sparse}, "
                f"ragged={self.ragged}, name={self.name}>")


class Layer:
    """The base of every seqnn layer: Keras's common arguments, and weights read through the model."""

    _class_name = "Layer"
    _default_name = "layer"
    _weight_names: Tuple[str, ...] = ()

    def __init__(self, *, name: Optional[str] = None, trainable: bool = True, dtype: Any = None,
                 input_shape: Optional[Sequence[Optional[int]]] = None, input_dim: Optional[int] = None,
                 input_length: Optional[int] = None, batch_size: Optional[int] = None,
                 batch_input_shape: Optional[Sequence[Optional[int]]] = None, **kwargs: Any) -> None:
        if kwargs:
            raise TypeError(f"Unrecognized keyword arguments passed to {type(self).__name__}: {kwargs}")
        if name is not None and not isinstance(name, str):
            raise TypeError(f"{type(self).__name__}: name must be a str, found {type(name).__name__}")
        self._name = name
        self._explicit_name = name is not None
        self._trainable = bool(trainable)
        self._dtype = _dtype_name(dtype)
        self._input_args: Dict[str, Any] = _config.drop_none({
            "input_shape": _shape_list(input_shape, "input_shape"), "input_dim": input_dim,
            "input_length": input_length, "batch_size": batch_size,
            "batch_input_shape": _shape_list(batch_input_shape, "batch_input_shape", allow_none=True)})
        self._model: Optional["Sequential"] = None

    # ---- Keras config ------------------------------------------------------------------------------

    def _layer_config(self) -> Dict[str, Any]:
        """The class-specific part of the config (as Keras names it)."""
        return {}

    def _c_config(self) -> Dict[str, Any]:
        """The JSON object given to seqnn_model_add."""
        cfg: Dict[str, Any] = {}
        if self._explicit_name:
            cfg["name"] = self._name
        cfg["trainable"] = self._trainable
        if self._dtype is not None:
            cfg["dtype"] = self._dtype
        cfg.update(self._input_args)
        cfg.update(self._layer_config())
        return _config.plain(cfg)

    def get_config(self) -> Dict[str, Any]:
        """Keras's ``get_config()``: name, trainable, dtype, the input arguments given, the layer's options."""
        cfg: Dict[str, Any] = {"name": self.name, "trainable": self._trainable, "dtype": self._dtype or "float32"}
        if getattr(self, "_from_library", False):
            return cfg   # a layer of a loaded model: its options live in the library (no C getter yet)
        cfg.update(self._input_args)
        cfg.update(self._layer_config())
        return cfg

    @classmethod
    def from_config(cls, config: Dict[str, Any]) -> "Layer":
        return cls(**config)

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        """Keras's ``compute_mask``: the mask this layer gives its output, as a boolean array. Embedding with
        ``mask_zero`` marks the non-zero ids, Masking the steps with a feature other than ``mask_value``; other
        layers pass ``mask`` on (the library applies masks itself; this is for code that inspects them)."""
        cfg = self._layer_config()
        if self._class_name == "Embedding":
            return np.asarray(inputs) != 0 if cfg.get("mask_zero") else None
        if self._class_name == "Masking":
            return np.any(np.asarray(inputs, dtype=np.float32) != np.float32(cfg.get("mask_value", 0.0)), axis=-1)
        return mask

    # ---- identity --------------------------------------------------------------------------------

    @property
    def name(self) -> str:
        return self._name if self._name is not None else self._default_name

    @property
    def trainable(self) -> bool:
        return self._trainable

    @trainable.setter
    def trainable(self, value: bool) -> None:
        value = bool(value)
        if value == self._trainable:
            return
        if self._model is None:
            self._trainable = value
            return
        self._model._set_layer_trainable(self, value)

    @property
    def dtype(self) -> str:
        return "float32"

    @property
    def built(self) -> bool:
        return self._model is not None and self._model._is_built()

    def _require_model(self, what: str) -> Tuple["Sequential", int]:
        if self._model is None:
            raise SeqNNValueError(f"layer '{self.name}' ({self._class_name}) is not part of a model yet, so it "
                                  f"has no {what}; add it to a Sequential model with an input shape first")
        return self._model, self._model._layer_index(self)

    # ---- weights -------------------------------------------------------------------------------------

    @property
    def weights(self) -> List[Variable]:
        """The layer's weights (kernel first, as Keras orders them); empty until the model is built."""
        if self._model is None:
            return []
        model, i = self._require_model("weights")
        n = model._weight_count(i)
        names = self._weight_names_for(n)
        return [Variable(self, k, names[k]) for k in range(n)]

    @property
    def trainable_weights(self) -> List[Variable]:
        return self.weights if self._trainable else []

    @property
    def non_trainable_weights(self) -> List[Variable]:
        return [] if self._trainable else self.weights

    @property
    def variables(self) -> List[Variable]:
        return self.weights

    def _weight_names_for(self, n: int) -> List[str]:
        names = list(self._weight_names[:n])
        if isinstance(self, Dense) and n == 1:
            names = ["kernel"]
        return names + [f"weight_{k}" for k in range(len(names), n)]

    def get_weights(self) -> List[np.ndarray]:
        """The weights as numpy arrays (copies), in Keras's order."""
        if self._model is None:
            return []
        model, i = self._require_model("weights")
        return [model._get_weight(i, k) for k in range(model._weight_count(i))]

    def set_weights(self, weights: Sequence[Any]) -> None:
        """Sets the weights from arrays of the same shapes as ``get_weights()`` returns."""
        model, i = self._require_model("weights")
        model._set_layer_weights(i, weights)

    def count_params(self) -> int:
        """The number of weights of this layer (Keras's "Param #")."""
        if self._model is None or not self._model._is_built():
            raise SeqNNValueError(f"You tried to call `count_params` on layer '{self.name}', but the layer isn't "
                                  f"built. You can build it manually via: `layer.build(input_shape)`")
        return int(sum(int(np.prod(w.shape)) for w in self.weights))

    # ---- shapes --------------------------------------------------------------------------------------

    @property
    def output_shape(self) -> Shape:
        """The output shape with the batch dimension (None unless the batch size is fixed)."""
        model, i = self._require_model("output shape")
        return model._layer_output_shapes()[i]

    def _tensor(self, which: str) -> "KerasTensor":
        if self._model is None or not self._model._is_built():
            raise AttributeError(f"The layer {self.name} has never been called and thus has no defined {which}.")
        model, i = self._require_model(which)
        return model._keras_tensors()[i + 1 if which == "output" else i]

    @property
    def input(self) -> "KerasTensor":
        """Keras 3's ``layer.input``: the tensor the layer takes in its built model (``.shape`` with the
        batch dimension); AttributeError while the model's input shape is unknown, as in Keras."""
        return self._tensor("input")

    @property
    def output(self) -> "KerasTensor":
        """Keras 3's ``layer.output``: the tensor the layer gives (``.shape`` with the batch dimension)."""
        return self._tensor("output")

    def __repr__(self) -> str:
        return f"<{self._class_name} name={self.name}, built={self.built}>"


def _dtype_name(dtype: Any) -> Optional[str]:
    if dtype is None:
        return None
    name = dtype if isinstance(dtype, str) else getattr(dtype, "name", None) or np.dtype(dtype).name
    if name != "float32":
        raise UnsupportedError(f"dtype {name!r} is not supported; SeqNN computes in float32")
    return name


def _shape_list(shape: Any, what: str, allow_none: bool = False) -> Optional[List[Optional[int]]]:
    if shape is None:
        return None
    if isinstance(shape, (int, np.integer)):
        shape = (int(shape),)
    try:
        out = [None if d is None else int(d) for d in shape]
    except (TypeError, ValueError):
        raise ValueError(f"{what} must be a tuple of integers, found {shape!r}") from None
    if not allow_none and any(d is None for d in out):
        raise ValueError(f"{what} must hold known sizes (SeqNN needs every dimension but the batch), found {shape!r}")
    return out


class InputLayer(Layer):
    """``keras.layers.InputLayer``: declares the model's input shape; not listed in ``model.layers``.

    Keras 3 form ``InputLayer(shape=(784,), batch_size=None)`` or ``InputLayer(batch_shape=(32, 784))``;
    the Keras 2 forms ``input_shape=`` / ``batch_input_shape=`` work too.
    """

    _class_name = "InputLayer"
    _default_name = "input_layer"

    def __init__(self, shape: Optional[Sequence[Optional[int]]] = None, batch_size: Optional[int] = None,
                 dtype: Any = None, sparse: Optional[bool] = None,
                 batch_shape: Optional[Sequence[Optional[int]]] = None, input_tensor: Any = None,
                 name: Optional[str] = None, *, input_shape: Optional[Sequence[Optional[int]]] = None,
                 batch_input_shape: Optional[Sequence[Optional[int]]] = None, **kwargs: Any) -> None:
        if input_tensor is not None:
            raise UnsupportedError("InputLayer(input_tensor=...) is not supported by SeqNN")
        if shape is not None and input_shape is not None:
            raise ValueError("InputLayer: give shape or input_shape, not both")
        shape = shape if shape is not None else input_shape
        batch_shape = batch_shape if batch_shape is not None else batch_input_shape
        if shape is None and batch_shape is None:
            raise ValueError("InputLayer needs a shape: InputLayer(shape=(784,)) or batch_shape=(None, 784)")
        if shape is not None and batch_shape is not None:
            raise ValueError("InputLayer: give shape or batch_shape, not both")
        # Integer inputs (token ids for an Embedding, as keras.io's text examples declare them) are read as
        # float32 by the library, exact below 2**24; the dtype is kept for the model's input tensor only.
        self.input_dtype = _input_dtype_name(dtype)
        super().__init__(name=name, dtype=None if self.input_dtype != "float32" else dtype, **kwargs)
        if batch_shape is None:
            dims = _shape_list(shape, "shape")
            assert dims is not None
            batch_shape = [batch_size] + dims
        self.batch_shape: List[Optional[int]] = _shape_list(batch_shape, "batch_shape", allow_none=True) or []
        self.sparse = bool(sparse)

    def _layer_config(self) -> Dict[str, Any]:
        cfg: Dict[str, Any] = {"batch_shape": self.batch_shape}
        if self.sparse:
            cfg["sparse"] = True
        return cfg

    @property
    def shape(self) -> Shape:
        return tuple(self.batch_shape)


def _input_dtype_name(dtype: Any) -> str:
    """An input's dtype: float32 or an integer type (whose values the library reads as float32)."""
    if dtype is None:
        return "float32"
    name = dtype if isinstance(dtype, str) else getattr(dtype, "name", None) or np.dtype(dtype).name
    try:
        if np.issubdtype(np.dtype(name), np.integer):
            return str(np.dtype(name))
    except TypeError:
        pass
    return _dtype_name(name) or "float32"


def Input(shape: Optional[Sequence[Optional[int]]] = None, batch_size: Optional[int] = None, dtype: Any = None,
          sparse: Optional[bool] = None, batch_shape: Optional[Sequence[Optional[int]]] = None,
          name: Optional[str] = None, tensor: Any = None) -> InputLayer:
    """``keras.Input``: for a Sequential model, the same as ``InputLayer`` (put it first in the list)."""
    return InputLayer(shape=shape, batch_size=batch_size, dtype=dtype, sparse=sparse, batch_shape=batch_shape,
                      name=name, input_tensor=tensor)


class Dense(Layer):
    """``keras.layers.Dense``: ``activation(dot(input, kernel) + bias)``.

    Args:
        units: positive integer, the output size.
        activation: a Keras activation name or a ``seqnn.activations`` function; None is linear.
        use_bias: whether the layer has a bias (default True).
        kernel_initializer: default "glorot_uniform".
        bias_initializer: default "zeros".
        kernel_regularizer, bias_regularizer: ``seqnn.regularizers.l1/l2/l1_l2`` or a name.
        activity_regularizer, kernel_constraint, bias_constraint, lora_rank: accepted as Keras names them;
            anything but None is refused by the library (not supported).
        **kwargs: the common layer arguments (name, trainable, input_shape, input_dim, ...).

    On an input of rank > 2 it acts on the last axis, as in Keras.
    """

    _class_name = "Dense"
    _default_name = "dense"
    _weight_names = ("kernel", "bias")

    def __init__(self, units: int, activation: Any = None, use_bias: bool = True,
                 kernel_initializer: Any = "glorot_uniform", bias_initializer: Any = "zeros",
                 kernel_regularizer: Any = None, bias_regularizer: Any = None, activity_regularizer: Any = None,
                 kernel_constraint: Any = None, bias_constraint: Any = None, lora_rank: Optional[int] = None,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if isinstance(units, bool) or not isinstance(units, (int, np.integer)) or int(units) <= 0:
            raise ValueError(f"Received an invalid value for `units`, expected a positive integer. "
                             f"Received: units={units}")
        self.units = int(units)
        self.activation = _config.activation_name(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = kernel_initializer
        self.bias_initializer = bias_initializer
        self.kernel_regularizer = kernel_regularizer
        self.bias_regularizer = bias_regularizer
        self.activity_regularizer = activity_regularizer
        self.kernel_constraint = kernel_constraint
        self.bias_constraint = bias_constraint
        self.lora_rank = lora_rank

    def _layer_config(self) -> Dict[str, Any]:
        cfg: Dict[str, Any] = {
            "units": self.units,
            "activation": self.activation or "linear",
            "use_bias": self.use_bias,
            "kernel_initializer": _config.serialize(self.kernel_initializer, "kernel_initializer"),
            "bias_initializer": _config.serialize(self.bias_initializer, "bias_initializer"),
            "kernel_regularizer": _config.serialize(self.kernel_regularizer, "kernel_regularizer"),
            "bias_regularizer": _config.serialize(self.bias_regularizer, "bias_regularizer"),
        }
        for key in ("activity_regularizer", "kernel_constraint", "bias_constraint", "lora_rank"):
            value = getattr(self, key)
            if value is not None:
                cfg[key] = value if isinstance(value, (str, int, dict)) else repr(value)
        return cfg

    @property
    def kernel(self) -> Variable:
        return self.weights[0]

    @property
    def bias(self) -> Optional[Variable]:
        w = self.weights
        return w[1] if len(w) > 1 else None


class Activation(Layer):
    """``keras.layers.Activation``: applies an activation function (a Keras name or seqnn function)."""

    _class_name = "Activation"
    _default_name = "activation"

    def __init__(self, activation: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.activation = _config.activation_name(activation) or "linear"

    def _layer_config(self) -> Dict[str, Any]:
        return {"activation": self.activation}


class Dropout(Layer):
    """``keras.layers.Dropout``: during training, zeroes a fraction ``rate`` of the inputs and scales the
    rest by ``1 / (1 - rate)``; the identity in evaluate and predict. ``noise_shape`` is not supported."""

    _class_name = "Dropout"
    _default_name = "dropout"

    def __init__(self, rate: float, noise_shape: Optional[Sequence[int]] = None, seed: Optional[int] = None,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.rate = float(rate)
        if not 0.0 <= self.rate <= 1.0:
            raise ValueError(f"Invalid value received for argument `rate`. Expected a float value between 0 and 1. "
                             f"Received: rate={rate}")
        self.noise_shape = noise_shape
        self.seed = seed

    def _layer_config(self) -> Dict[str, Any]:
        return _config.drop_none({"rate": self.rate, "noise_shape": _config.plain(self.noise_shape),
                                  "seed": self.seed})


class Flatten(Layer):
    """``keras.layers.Flatten``: reshapes each sample to one dimension (channels_last only)."""

    _class_name = "Flatten"
    _default_name = "flatten"

    def __init__(self, data_format: Optional[str] = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.data_format = data_format

    def _layer_config(self) -> Dict[str, Any]:
        return _config.drop_none({"data_format": self.data_format})


class Reshape(Layer):
    """``keras.layers.Reshape``: reshapes each sample to ``target_shape`` (one entry may be -1)."""

    _class_name = "Reshape"
    _default_name = "reshape"

    def __init__(self, target_shape: Sequence[int], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if isinstance(target_shape, (int, np.integer)):
            target_shape = (int(target_shape),)
        self.target_shape = tuple(int(d) for d in target_shape)

    def _layer_config(self) -> Dict[str, Any]:
        return {"target_shape": list(self.target_shape)}


def _snake_case(name: str) -> str:
    out = ""
    for ch in name:
        if ch.isupper() and out and not out.endswith("_"):
            out += "_"
        out += ch.lower()
    return out


_COMMON_ARGS = ("name", "trainable", "dtype", "input_shape", "input_dim", "input_length", "batch_size",
                "batch_input_shape")


def _option(value: Any, what: str) -> Any:
    """A layer option as the library's JSON wants it: layers (for wrappers) and initializer, regularizer,
    activation objects in their Keras form; everything else as plain JSON values."""
    if isinstance(value, Layer):
        return {"class_name": value._class_name, "config": value._c_config()}
    if hasattr(value, "get_config") or callable(value):
        return _config.serialize(value, what)
    return _config.plain(value)


def _keras_layer(class_name: str, positional: Tuple[str, ...] = (), own: Tuple[str, ...] = (),
                 doc: str = "", generic: bool = False) -> Type[Layer]:
    """A Layer class whose Keras arguments go to the library's config as given (the library checks them):
    `positional` names Keras's positional arguments, `own` the common-looking arguments that are options
    of this class (Embedding's input_dim is its vocabulary size, not an input shape). `generic`: made
    from the library's registry, knowing nothing of the class but its name."""

    def __init__(self: Layer, *args: Any, **kwargs: Any) -> None:
        if generic and args:
            raise TypeError(f"{class_name}() takes keyword arguments only, as Keras names them (it is made from "
                            f"the library's layer registry, which does not say the order of Keras's positional "
                            f"arguments); found {len(args)} positional")
        if len(args) > len(positional):
            raise TypeError(f"{class_name} takes at most {len(positional)} positional arguments ({', '.join(positional)})")
        options = dict(zip(positional, args))
        for key in list(kwargs):
            if key in own or key not in _COMMON_ARGS:
                options[key] = kwargs.pop(key)
        Layer.__init__(self, **kwargs)
        self._options = {k: _option(v, f"{class_name}.{k}") for k, v in options.items() if v is not None}  # type: ignore[attr-defined]

    def _layer_config(self: Layer) -> Dict[str, Any]:
        return dict(self._options)  # type: ignore[attr-defined]

    return type(class_name, (Layer,), {"__init__": __init__, "_layer_config": _layer_config,
                                       "_class_name": class_name, "_default_name": _snake_case(class_name),
                                       "__doc__": doc or f"``keras.layers.{class_name}``, with Keras's arguments."})


Conv1D = _keras_layer("Conv1D", ("filters", "kernel_size"))
Conv2D = _keras_layer("Conv2D", ("filters", "kernel_size"))
MaxPooling1D = _keras_layer("MaxPooling1D", ("pool_size", "strides", "padding"))
MaxPooling2D = _keras_layer("MaxPooling2D", ("pool_size", "strides", "padding"))
AveragePooling1D = _keras_layer("AveragePooling1D", ("pool_size", "strides", "padding"))
AveragePooling2D = _keras_layer("AveragePooling2D", ("pool_size", "strides", "padding"))
GlobalMaxPooling1D = _keras_layer("GlobalMaxPooling1D")
GlobalMaxPooling2D = _keras_layer("GlobalMaxPooling2D")
GlobalAveragePooling1D = _keras_layer("GlobalAveragePooling1D")
GlobalAveragePooling2D = _keras_layer("GlobalAveragePooling2D")
ZeroPadding1D = _keras_layer("ZeroPadding1D", ("padding",))
ZeroPadding2D = _keras_layer("ZeroPadding2D", ("padding",))
UpSampling1D = _keras_layer("UpSampling1D", ("size",))
UpSampling2D = _keras_layer("UpSampling2D", ("size",))
Cropping1D = _keras_layer("Cropping1D", ("cropping",))
Cropping2D = _keras_layer("Cropping2D", ("cropping",))
Embedding = _keras_layer("Embedding", ("input_dim", "output_dim"), own=("input_dim", "input_length"))
SimpleRNN = _keras_layer("SimpleRNN", ("units",))
LSTM = _keras_layer("LSTM", ("units",))
GRU = _keras_layer("GRU", ("units",))
Bidirectional = _keras_layer("Bidirectional", ("layer", "merge_mode"))
TimeDistributed = _keras_layer("TimeDistributed", ("layer",))
BatchNormalization = _keras_layer("BatchNormalization")
LayerNormalization = _keras_layer("LayerNormalization")
RepeatVector = _keras_layer("RepeatVector", ("n",))
Permute = _keras_layer("Permute", ("dims",))
# Classes the registry would make generic, written out only for Keras's positional arguments
# (`Rescaling(1. / 255)`, `LeakyReLU(0.1)`); the library checks every value.
ReLU = _keras_layer("ReLU", ("max_value", "negative_slope", "threshold"))
LeakyReLU = _keras_layer("LeakyReLU", ("negative_slope",))
PReLU = _keras_layer("PReLU", ("alpha_initializer", "alpha_regularizer", "alpha_constraint", "shared_axes"))
ELU = _keras_layer("ELU", ("alpha",))
Softmax = _keras_layer("Softmax", ("axis",))
ThresholdedReLU = _keras_layer("ThresholdedReLU", ("theta",))
Rescaling = _keras_layer("Rescaling", ("scale", "offset"))
Masking = _keras_layer("Masking", ("mask_value",))


class Normalization(_keras_layer("Normalization", ("axis", "mean", "variance"))):  # type: ignore[misc]
    """``keras.layers.Normalization(axis=-1, mean=None, variance=None, invert=False)``: (x - mean) /
    sqrt(variance) per feature of the last axis (or over all values with ``axis=None``). Give ``mean`` and
    ``variance``, or learn them with ``adapt(data)`` before training, as in Keras: then they are the layer's
    (non-trainable) weights ``mean``, ``variance`` and ``count``, saved and loaded with the model."""

    _pending_weights: Optional[List[np.ndarray]] = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # axis=None (one mean over every value) must reach the library: the generic option handling drops
        # None values, which would leave the library's default, axis=-1.
        if (args[0] if args else kwargs.get("axis", -1)) is None:
            self._options["axis"] = None  # type: ignore[attr-defined]

    def adapt(self, data: Any, batch_size: Optional[int] = None, steps: Optional[int] = None) -> None:
        """Keras's ``adapt``: the mean and (population) variance of ``data`` (samples first) per feature. In a
        built model the library computes them; before that they are computed here and set once it is built."""
        if "mean" in self._options or "variance" in self._options:  # type: ignore[attr-defined]
            raise SeqNNValueError(f"Normalization '{self.name}': adapt() cannot change the mean and variance "
                                  f"given to the layer; create it without them")
        x = np.asarray(data, dtype=np.float64)
        if x.ndim < 1 or x.shape[0] == 0:
            raise SeqNNValueError(f"Normalization '{self.name}': adapt needs samples, found shape {x.shape}")
        if not np.all(np.isfinite(x)):
            raise NumericError(f"Normalization '{self.name}': adapt data must be finite")
        per_value = self._options.get("axis", -1) is None  # type: ignore[attr-defined]
        flat = x.reshape(-1, 1) if per_value or x.ndim == 1 else x.reshape(-1, x.shape[-1])
        mean, var = flat.mean(axis=0), flat.var(axis=0)
        if per_value:
            mean, var = mean.reshape(()), var.reshape(())
        if self._model is not None and self._model._is_built():   # the library's adapt (seqnn_model_adapt_layer)
            model, i = self._require_model("adapt")
            x32 = np.ascontiguousarray(data, dtype=np.float32)
            model._call("seqnn_model_adapt_layer", i, x32.reshape(-1), x32.size)
            model._changed()
            return
        # Not in a built model yet: the same statistics, kept until it is (count 0, as Keras 3's adapt leaves it).
        self._pending_weights = [mean.astype(np.float32), var.astype(np.float32), np.asarray(0.0, np.float32)]
        self._adapt_rank = x.ndim

    @property
    def mean(self) -> Any:
        """Keras 3's ``normalizer.mean``: the mean in the input's broadcast shape (``(1, features)`` for
        2-D input, all ones with ``axis=None``); None until adapted or, when given, until built."""
        return self._statistic(0, "mean")

    @property
    def variance(self) -> Any:
        """Keras 3's ``normalizer.variance``, shaped as ``mean``."""
        return self._statistic(1, "variance")

    def _statistic(self, index: int, key: str) -> Any:
        from .ops import tensor
        built = self._model is not None and self._model._is_built()
        given = self._options.get(key)  # type: ignore[attr-defined]
        if given is not None:
            if not built:
                return None
            values = np.asarray(given, dtype=np.float32)
        elif self._pending_weights is not None:
            values = self._pending_weights[index]
        elif built:
            values = self.get_weights()[index]
        else:
            return None
        rank = len(self.input.shape) if built else getattr(self, "_adapt_rank", values.ndim + 1)
        axis = self._options.get("axis", -1)  # type: ignore[attr-defined]
        if axis is None:
            return tensor(np.broadcast_to(values, (1,) * rank).copy())
        if isinstance(axis, int) and values.ndim <= 1:
            shape = [1] * rank
            shape[axis if axis >= 0 else rank + axis] = values.size
            return tensor(values.reshape(shape))
        return tensor(values)    # several axes: the library's per-feature shape
Convolution1D, Convolution2D = Conv1D, Conv2D
MaxPool1D, MaxPool2D, AvgPool1D, AvgPool2D = MaxPooling1D, MaxPooling2D, AveragePooling1D, AveragePooling2D
GlobalMaxPool1D, GlobalMaxPool2D = GlobalMaxPooling1D, GlobalMaxPooling2D
GlobalAvgPool1D, GlobalAvgPool2D = GlobalAveragePooling1D, GlobalAveragePooling2D

#: Python classes by Keras class name (used for layers of loaded models).
LAYER_CLASSES: Dict[str, Type[Layer]] = {c._class_name: c for c in (
    InputLayer, Dense, Activation, Dropout, Flatten, Reshape, Conv1D, Conv2D, MaxPooling1D, MaxPooling2D,
    AveragePooling1D, AveragePooling2D, GlobalMaxPooling1D, GlobalMaxPooling2D, GlobalAveragePooling1D,
    GlobalAveragePooling2D, ZeroPadding1D, ZeroPadding2D, UpSampling1D, UpSampling2D, Cropping1D, Cropping2D,
    Embedding, SimpleRNN, LSTM, GRU, Bidirectional, TimeDistributed, BatchNormalization, LayerNormalization,
    RepeatVector, Permute, Normalization, ReLU, LeakyReLU, PReLU, ELU, Softmax, ThresholdedReLU, Rescaling)}


_generic_lock = threading.Lock()


def _registered(name: str, module: str) -> Type[Layer]:
    """The class ``module.name`` stands for: a generic class for a layer class the library builds but this
    package has no class for (made once and stored in this module, so the same object comes back every
    time), else AttributeError with the closest names."""
    if name.startswith("_"):   # dunders and private names (copy, pickle, inspect probe these): never layers
        raise AttributeError(f"module {module!r} has no attribute {name!r}")
    try:
        registered = _ffi.layer_class_names()
    except SeqNNError as e:    # e.g. the library cannot be loaded: hasattr() must still answer False
        raise AttributeError(f"module {module!r} has no attribute {name!r} (the layer classes of the library "
                             f"could not be read: {e})") from e
    if name in registered:
        with _generic_lock:
            cls = globals().get(name)
            if not (isinstance(cls, type) and issubclass(cls, Layer)):
                cls = _keras_layer(name, generic=True, doc=(
                    f"``keras.layers.{name}``, made from the library's layer registry: Keras's arguments by "
                    f"keyword, passed to the library as the layer's config (the library checks them)."))
                cls.__module__ = __name__
                globals()[name] = cls
        return cls
    # Suggestions from every public class name (Input, ConfigLayer too); the listing only the library's.
    known = sorted(set(registered) | {n for n in __all__ if n[:1].isupper()})
    close = [n for n in known if n.lower() == name.lower()] or difflib.get_close_matches(name, known, n=3, cutoff=0.6)
    hint = f"; did you mean {' or '.join(repr(n) for n in close)}?" if close else \
        f"; the layer classes it builds: {', '.join(registered)}"
    raise AttributeError(f"module {module!r} has no attribute {name!r}: it is not a layer class SeqNN builds{hint}")


def __getattr__(name: str) -> Type[Layer]:
    """PEP 562: ``seqnn.layers.X`` for a layer class the library registers without a class written here."""
    return _registered(name, __name__)


def __dir__() -> List[str]:
    names = set(globals())
    try:
        names.update(_ffi.layer_class_names())
    except SeqNNError:
        pass
    return sorted(names)


def _class_for(class_name: str) -> Optional[Type[Layer]]:
    """The Python class of a Keras layer class name: hand-written, or generic when the library builds it;
    None when neither (the library will refuse it with its own message)."""
    cls = LAYER_CLASSES.get(class_name)
    if cls is not None:
        return cls
    try:
        return _registered(class_name, __name__)
    except AttributeError:
        return None


def _bare(class_name: str, name: str) -> Layer:
    """A layer object standing for an existing layer of a loaded model (its config lives in the library)."""
    cls = _class_for(class_name) or Layer
    layer: Layer = object.__new__(cls)
    Layer.__init__(layer, name=name)
    layer._explicit_name = True
    layer._from_library = True  # type: ignore[attr-defined]
    layer._class_name = class_name  # type: ignore[misc]
    return layer


def serialize(layer: Layer) -> Dict[str, Any]:
    """``keras.layers.serialize``: ``{"class_name", "config"}``."""
    return {"class_name": layer._class_name, "config": layer.get_config()}


class ConfigLayer(Layer):
    """Any Keras layer class by name and config, passed to the library as given: for layer classes the
    library knows before this package has a Python class for them. The library checks the config.

        ConfigLayer("Dense", {"units": 4, "activation": "relu", "input_shape": [3]})
    """

    def __init__(self, class_name: str, config: Optional[Dict[str, Any]] = None) -> None:
        cfg = dict(config or {})
        name = cfg.pop("name", None)
        trainable = cfg.pop("trainable", True)
        super().__init__(name=name, trainable=trainable)
        self._class_name = str(class_name)  # type: ignore[misc]
        self._default_name = _snake_case(self._class_name)  # type: ignore[misc]
        self._config = cfg

    def _layer_config(self) -> Dict[str, Any]:
        return _config.plain(self._config)


def deserialize(config: Dict[str, Any]) -> Layer:
    """``keras.layers.deserialize``: a layer from ``{"class_name", "config"}`` (a ``ConfigLayer``, which the
    library will refuse with its message, for a class it does not build)."""
    cls = _class_for(str(config.get("class_name", "")))
    if cls is None:
        return ConfigLayer(str(config.get("class_name", "")), dict(config.get("config", {})))
    cfg = dict(config.get("config", {}))
    if cls is InputLayer and "batch_input_shape" in cfg:
        cfg["batch_shape"] = cfg.pop("batch_input_shape")
    layer = cls.from_config(cfg)
    return layer

