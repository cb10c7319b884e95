"""seqnn.layers follows the library's layer registry (seqnn_layer_class_names): every class the library
builds is there, hand-written or generic, and a generic class passes Keras's arguments to the library as
the layer's config. Unknown names raise AttributeError with the close matches."""
from __future__ import annotations

import ctypes

import numpy as np
import pytest

import seqnn
import seqnn.keras.layers as keras_layers
import seqnn.layers as layers
from seqnn import _ffi
from seqnn.keras.models import Sequential, load_model


def c_class_names():
    """The list through the C function directly (size query, then the buffer)."""
    lib = _ffi.lib()
    needed = ctypes.c_size_t(0)
    assert lib.seqnn_layer_class_names(None, 0, ctypes.byref(needed)) == _ffi.SEQNN_BUFFER_TOO_SMALL
    buf = ctypes.create_string_buffer(needed.value + 1)
    assert lib.seqnn_layer_class_names(buf, len(buf), None) == _ffi.SEQNN_OK
    return buf.value.decode().split("\n")


@pytest.fixture
def without_handwritten(monkeypatch):
    """Removes the hand-written classes for `names`, as if the library had gained these layers after this
    package was written: only the registry can then provide them."""
    def remove(*names):
        for name in names:
            for module in (layers, keras_layers):
                monkeypatch.delattr(module, name)
            monkeypatch.delitem(layers.LAYER_CLASSES, name, raising=False)
    return remove


def test_the_binding_reads_the_library_list():
    names = c_class_names()
    assert list(_ffi.layer_class_names()) == names
    assert names == sorted(names) and len(set(names)) == len(names)
    # classes Keras has and seqnn.h documents
    assert {"Dense", "Conv2D", "LSTM", "Embedding", "RepeatVector", "MaxPool2D"} <= set(names)


@pytest.mark.parametrize("module", [layers, keras_layers], ids=["seqnn.layers", "seqnn.keras.layers"])
def test_every_registered_class_is_a_layer_class(module):
    for name in _ffi.layer_class_names():
        cls = getattr(module, name)
        assert isinstance(cls, type) and issubclass(cls, layers.Layer), name
        assert name in dir(module)


def test_a_registered_class_without_a_python_class(without_handwritten, rng):
    without_handwritten("RepeatVector")
    assert "RepeatVector" in _ffi.layer_class_names()
    RepeatVector = layers.RepeatVector
    assert "made from the library's layer registry" in RepeatVector.__doc__
    assert RepeatVector is layers.RepeatVector is keras_layers.RepeatVector     # one class, made once
    from seqnn.keras.layers import RepeatVector as imported                     # PEP 562 from-import
    assert imported is RepeatVector

    # Keras's RepeatVector(n) repeats each sample n times: (batch, features) -> (batch, n, features).
    rv = RepeatVector(n=3, name="rep")
    assert rv.get_config()["n"] == 3 and rv.get_config()["name"] == "rep"
    model = Sequential([layers.Dense(4, input_shape=(2,)), rv, layers.Flatten()], seed=5)
    assert [l.name for l in model.layers][1] == "rep" and model.layers[1] is rv
    assert rv.output_shape == (None, 3, 4) and model.output_shape == (None, 12)
    x = rng.random((5, 2)).astype(np.float32)
    dense_out = x @ model.layers[0].get_weights()[0] + model.layers[0].get_weights()[1]
    expected = np.repeat(dense_out[:, None, :], 3, axis=1).reshape(5, 12)
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=1e-5, atol=1e-6)


def test_generic_class_options_reach_the_library(without_handwritten):
    without_handwritten("Conv1D")
    Conv1D = layers.Conv1D
    # Keras's arguments by keyword, including objects (initializers) serialized as hand-written classes do
    conv = Conv1D(filters=4, kernel_size=3, padding="same", kernel_initializer=seqnn.initializers.Constant(0.5),
                  use_bias=False, input_shape=(10, 2))
    model = Sequential([conv], seed=1)
    assert conv.output_shape == (None, 10, 4)
    w = conv.get_weights()[0]
    assert w.shape == (3, 2, 4) and np.all(w == 0.5)
    # the library checks the config and says what is wrong
    with pytest.raises(ValueError, match="filters"):
        Sequential([Conv1D(filters=-1, kernel_size=3, input_shape=(10, 2))])
    with pytest.raises(TypeError, match="keyword arguments only"):
        Conv1D(4, 3)
    assert model.count_params() == 24


def test_loaded_model_layers_use_the_generic_class(without_handwritten, tmp_path):
    model = Sequential([layers.Dense(3, input_shape=(2,)), layers.RepeatVector(2)], seed=1)
    model.save(tmp_path / "m.h5")
    without_handwritten("RepeatVector")
    back = load_model(tmp_path / "m.h5")
    assert type(back.layers[1]) is layers.RepeatVector and back.layers[1].output_shape == (None, 2, 3)
    cfg = {"class_name": "RepeatVector", "config": {"n": 4}}
    assert type(layers.deserialize(cfg)) is layers.RepeatVector


@pytest.mark.parametrize("module, prefix", [(layers, "seqnn.layers"), (keras_layers, "seqnn.keras.layers")])
def test_unknown_names_raise_attribute_error_with_close_matches(module, prefix):
    with pytest.raises(AttributeError, match=rf"module '{prefix}' has no attribute 'Dens'.*did you mean 'Dense'"):
        module.Dens
    with pytest.raises(AttributeError, match=r"did you mean 'LSTM'"):
        module.lstm
    with pytest.raises(AttributeError, match=r"did you mean .*'Conv2D'"):
        module.Conv2d
    with pytest.raises(AttributeError, match=r"not a layer class SeqNN builds; the layer classes it builds: "
                                             r"Activation, .*Dense"):
        module.Transformer
    with pytest.raises(ImportError):
        exec(f"from {prefix} import Dens", {})
    assert not hasattr(module, "Nope") and not hasattr(module, "__wrapped__")


def test_hand_written_classes_stay():
    # the registry adds classes; it does not replace the hand-written ones (they know positional arguments)
    assert layers.Dense is keras_layers.Dense and layers.Dense(3).units == 3
    assert layers.RepeatVector(2).get_config()["n"] == 2
