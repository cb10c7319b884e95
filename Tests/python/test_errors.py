"""Bad inputs raise the right exception types (seqnn.SeqNNError plus ValueError / OSError / ...) and carry
the library's message."""
from __future__ import annotations

import numpy as np
import pytest

import seqnn
from seqnn.keras.layers import Activation, Dense, Dropout, InputLayer, Reshape
from seqnn.keras.models import Sequential, load_model


def small_model(**compile_kwargs):
    model = Sequential([Dense(4, activation="relu", input_shape=(3,)), Dense(2, activation="softmax")], seed=7)
    if compile_kwargs:
        model.compile(**compile_kwargs)
    return model


def test_unknown_activation():
    model = Sequential()
    with pytest.raises(ValueError, match=r"seqnn_model_add: Dense .*: unknown activation 'relux'; known: linear, "
                                         r"relu") as e:
        model.add(Dense(32, activation="relux", input_dim=3))
    # an unknown name in a layer config is a feature SeqNN lacks: SEQNN_UNSUPPORTED, still a ValueError
    assert isinstance(e.value, seqnn.SeqNNError) and e.value.status in (1, 3)
    assert e.value.status_name in ("invalid argument", "unsupported")
    assert model.layers == []


def test_unknown_loss_optimizer_metric():
    model = small_model()
    with pytest.raises(ValueError, match="unknown loss 'categorical_crossentropyy'"):
        model.compile("rmsprop", "categorical_crossentropyy")
    with pytest.raises(ValueError, match="unknown optimizer 'adamm'"):
        model.compile("adamm", "mse")
    with pytest.raises(ValueError, match="unknown metric 'accuracyy'"):
        model.compile("adam", "mse", metrics=["accuracyy"])
    with pytest.raises(ValueError, match="metric 'mae' is listed twice"):
        model.compile("adam", "mse", metrics=["mae", "mae"])


def test_fit_before_compile():
    model = small_model()
    with pytest.raises(seqnn.NotCompiledError, match=r"seqnn_model_fit: the model is not compiled; call compile") as e:
        model.fit(np.zeros((4, 3)), np.zeros((4, 2)), verbose=0)
    assert isinstance(e.value, ValueError)


def test_labels_for_a_categorical_loss_get_a_hint():
    model = small_model(optimizer="adam", loss="categorical_crossentropy")
    with pytest.raises(seqnn.ShapeMismatchError, match=r"y looks like class labels: use "
                                                       r"sparse_categorical_crossentropy, or one-hot encode it"):
        model.fit(np.zeros((4, 3)), np.array([0, 1, 1, 0]), verbose=0)


def test_wrong_input_width():
    model = small_model(optimizer="adam", loss="mse")
    with pytest.raises(ValueError, match=r"expected shape=\(None, 3\), found shape=\(4, 5\)"):
        model.predict(np.zeros((4, 5)))
    with pytest.raises(ValueError, match="Data cardinality is ambiguous"):
        model.fit(np.zeros((4, 3)), np.zeros((5, 2)), verbose=0)


def test_non_finite_data():
    model = small_model(optimizer="adam", loss="mse")
    x = np.zeros((4, 3))
    x[2, 1] = np.nan
    with pytest.raises(seqnn.NumericError, match=r"seqnn_model_fit: x holds nan at sample 2, position 1"):
        model.fit(x, np.zeros((4, 2)), verbose=0)
    with pytest.raises(ValueError, match="x holds nan"):
        model.predict(x, verbose=0)


def test_to_categorical_bad_labels():
    with pytest.raises(ValueError, match="seqnn_to_categorical") as e:
        seqnn.utils.to_categorical([0, 1.5, 2])
    assert isinstance(e.value, seqnn.SeqNNError)
    with pytest.raises(ValueError, match="seqnn_to_categorical"):
        seqnn.utils.to_categorical([0, 3], num_classes=2)


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"seqnn_model_load: cannot open '.*nope.h5': No such file") as e:
        load_model(tmp_path / "nope.h5")
    assert isinstance(e.value, seqnn.SeqNNError) and isinstance(e.value, OSError)


def test_not_an_hdf5_file(tmp_path):
    p = tmp_path / "garbage.h5"
    p.write_bytes(b"hello, not HDF5")
    with pytest.raises(seqnn.FormatError, match="is not an HDF5 file") as e:
        load_model(p)
    assert isinstance(e.value, OSError) and isinstance(e.value, ValueError)


def test_save_into_a_missing_folder(tmp_path):
    model = small_model()
    with pytest.raises(OSError, match="seqnn_model_save: cannot create") as e:
        model.save(tmp_path / "no" / "such" / "dir" / "m.h5")
    assert isinstance(e.value, seqnn.SeqNNError)


def test_a_path_without_a_model_extension_is_refused(tmp_path):
    with pytest.raises(ValueError, match="Invalid filepath extension"):   # Keras 3's words
        small_model().save(tmp_path / "m.model")
    assert not list(tmp_path.iterdir())


def test_unsupported_options():
    with pytest.raises(seqnn.UnsupportedError, match="'kernel_constraint' = \"non_neg\" is not supported") as e:
        Sequential([Dense(2, input_dim=3, kernel_constraint="non_neg")])
    assert isinstance(e.value, NotImplementedError) and isinstance(e.value, ValueError)
    with pytest.raises(NotImplementedError, match="custom Python loss functions"):
        small_model().compile("adam", loss=lambda t, p: (t - p) ** 2)
    with pytest.raises(NotImplementedError):
        Dense(2, dtype="float64")


def test_input_layer_must_come_first():
    model = small_model()
    with pytest.raises(ValueError, match="an InputLayer can only come first"):
        model.add(InputLayer(shape=(3,)))


def test_bad_layer_values():
    with pytest.raises(ValueError, match="units"):
        Dense(0)
    model = Sequential([Dense(4, input_dim=3)])
    with pytest.raises(seqnn.SeqNNError, match="Reshape"):
        model.add(Reshape((5,)))
    with pytest.raises(ValueError, match="seqnn_model_add: Dropout"):
        model.add(Dropout(1.0))
    with pytest.raises(ValueError, match="name must be non-empty and without '/'"):
        model.add(Activation("relu", name="a/b"))
    assert len(model.layers) == 1


def test_unique_names():
    model = Sequential([Dense(4, input_dim=3, name="d")])
    with pytest.raises(ValueError, match="must have unique names; 'd' is already used"):
        model.add(Dense(4, name="d"))


def test_set_weights_checks_shapes_first():
    model = small_model()
    before = model.get_weights()
    bad = [w.copy() + 1 for w in before]
    bad[3] = np.zeros(5)
    with pytest.raises(ValueError, match=r"weight shape \(2,\) is not compatible with provided weight shape \(5,\)"):
        model.set_weights(bad)
    with pytest.raises(ValueError, match="expecting 4 weights"):
        model.set_weights(before[:3])
    nan = [w.copy() for w in before]
    nan[2][0, 0] = np.nan
    with pytest.raises(seqnn.NumericError, match=r"value nan at index 0 is not finite"):
        model.set_weights(nan)
    for a, b in zip(model.get_weights(), before):
        assert np.array_equal(a, b)


def test_predict_before_the_input_shape_is_known():
    model = Sequential([Dense(2)])
    with pytest.raises(seqnn.NotBuiltError, match="input shape is unknown"):
        model.predict(np.zeros(3))
    with pytest.raises(ValueError, match="count_params"):
        model.count_params()


def test_layers_cannot_be_shared():
    d = Dense(2, input_dim=3)
    Sequential([d])
    with pytest.raises(ValueError, match="already part of a model"):
        Sequential([d])


def test_unknown_keyword_arguments():
    with pytest.raises(TypeError, match="Unrecognized keyword arguments passed to Dense"):
        Dense(2, foo=1)
    with pytest.raises(TypeError):
        small_model().fit(np.zeros((2, 3)), np.zeros((2, 2)), nb_epoch=3)


def test_exception_classes():
    assert issubclass(seqnn.SeqNNValueError, ValueError)
    assert issubclass(seqnn.SeqNNOSError, OSError)
    assert issubclass(seqnn.BusyError, RuntimeError)
    for cls in (seqnn.SeqNNValueError, seqnn.SeqNNOSError, seqnn.BusyError, seqnn.UnsupportedError,
                seqnn.FormatError, seqnn.NotCompiledError, seqnn.LibraryNotFoundError):
        assert issubclass(cls, seqnn.SeqNNError)
    e = seqnn.SeqNNOSError("message text", 5, "I/O error")
    assert str(e) == "message text" and e.status == 5
