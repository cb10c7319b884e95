"""The binding validates like Python (issue 15, item 6): a bad argument raises TypeError / ValueError in Python,
before anything reaches the library, instead of being converted silently by ctypes or numpy (an int wrapped
into int64_t, a complex array truncated to its real part, a path cut at a NUL). Keras's wording where Keras
has one ("Invalid dtype: object", "embedded null byte", "cannot be interpreted as an integer")."""
from __future__ import annotations

import os

import numpy as np
import pytest

import seqnn
from seqnn.keras.layers import Dense
from seqnn.keras.models import Sequential, load_model

X = np.linspace(-1, 1, 24, dtype=np.float32).reshape(8, 3)
Y = np.linspace(0, 1, 16, dtype=np.float32).reshape(8, 2)


def model():
    m = Sequential([Dense(2, input_shape=(3,))], seed=3)
    m.compile("sgd", "mse")
    return m


def unchanged(m, before):
    return all(np.array_equal(a, b) for a, b in zip(m.get_weights(), before))


# ---- paths ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["a.h5", "a.keras", "a.weights.h5"])
def test_nul_in_a_path_is_refused_and_writes_nothing(tmp_path, name):
    m = model()
    evil = str(tmp_path / name) + "\0/evil.h5"
    save = m.save_weights if name.endswith(".weights.h5") else m.save
    with pytest.raises(ValueError, match="embedded null byte"):
        save(evil)
    assert os.listdir(tmp_path) == []
    with pytest.raises(ValueError, match="embedded null byte"):
        load_model(evil)
    with pytest.raises(ValueError, match="embedded null byte"):
        m.load_weights(evil)
    with pytest.raises(ValueError, match="embedded null byte"):
        m.save(os.fsencode(evil))


def test_path_types(tmp_path):
    m = model()
    with pytest.raises(TypeError, match="str, bytes or os.PathLike"):
        m.save(5)
    with pytest.raises(TypeError, match="str, bytes or os.PathLike"):
        load_model(None)
    m.save(os.fsencode(tmp_path / "b.h5"))   # bytes are a path too, as for open()
    m.save(tmp_path / "p.keras")             # and os.PathLike
    np.testing.assert_array_equal(load_model(os.fsencode(tmp_path / "b.h5")).predict(X, verbose=0), m.predict(X, verbose=0))
    np.testing.assert_array_equal(load_model(tmp_path / "p.keras").predict(X, verbose=0), m.predict(X, verbose=0))


# ---- integers ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs, exc, message", [
    ({"epochs": 2**63}, ValueError, "epochs is out of range"),
    ({"epochs": 2**64 + 1}, ValueError, "epochs is out of range"),
    ({"epochs": -1}, ValueError, "epochs must be >= 0"),
    ({"epochs": 1.5}, TypeError, "'float' object cannot be interpreted as an integer"),
    ({"epochs": "2"}, TypeError, "'str' object cannot be interpreted as an integer"),
    ({"epochs": True}, TypeError, "epochs must be an integer"),
    ({"batch_size": 2**64}, ValueError, "batch_size is out of range"),
    ({"batch_size": 2**63}, ValueError, "batch_size is out of range"),
    ({"batch_size": 0}, ValueError, "batch_size must be >= 1"),
    ({"batch_size": 2.0}, TypeError, "'float' object"),
    ({"initial_epoch": 2**70}, ValueError, "initial_epoch is out of range"),
    ({"initial_epoch": -1}, ValueError, "initial_epoch must be >= 0"),
    ({"initial_epoch": "1"}, TypeError, "'str' object"),
])
def test_fit_integers(kwargs, exc, message):
    m = model()
    before = m.get_weights()
    with pytest.raises(exc, match=message) as e:
        m.fit(X, Y, verbose=0, **kwargs)
    assert isinstance(e.value, seqnn.SeqNNError)
    assert unchanged(m, before)


def test_numpy_integers_are_integers():
    m = model()
    h = m.fit(X, Y, epochs=np.int64(2), batch_size=np.uint8(4), initial_epoch=np.int32(1), verbose=0)
    assert len(h.history["loss"]) == 1


@pytest.mark.parametrize("call", ["predict", "evaluate"])
def test_predict_evaluate_batch_size(call):
    m = model()
    args = (X,) if call == "predict" else (X, Y)
    with pytest.raises(ValueError, match="batch_size is out of range"):
        getattr(m, call)(*args, batch_size=2**64, verbose=0)
    with pytest.raises(TypeError, match="'str' object"):
        getattr(m, call)(*args, batch_size="8", verbose=0)


def test_steps_of_a_generator():
    m = model()

    def batches():
        while True:
            yield X, Y

    with pytest.raises(ValueError, match="steps_per_epoch must be >= 1"):
        m.fit(batches(), steps_per_epoch=0, verbose=0)
    with pytest.raises(ValueError, match="steps_per_epoch is out of range"):
        m.fit(batches(), steps_per_epoch=2**64, verbose=0)
    with pytest.raises(TypeError, match="'str' object"):
        m.predict(batches(), steps="2", verbose=0)
    with pytest.raises(ValueError, match="steps must be >= 1"):
        m.evaluate(batches(), steps=-3, verbose=0)


def test_load_model_seed(tmp_path):
    model().save(tmp_path / "m.h5")
    with pytest.raises(ValueError, match="seed is out of range"):
        load_model(tmp_path / "m.h5", seed=2**64)
    with pytest.raises(TypeError, match="'float' object"):
        load_model(tmp_path / "m.h5", seed=1.0)


# ---- reals ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("split, exc", [("0.2", TypeError), (b"0.2", TypeError), (0.2j, TypeError),
                                        (float("nan"), ValueError), (1.0, ValueError), (-0.1, ValueError)])
def test_validation_split(split, exc):
    m = model()
    with pytest.raises(exc, match="validation_split"):
        m.fit(X, Y, validation_split=split, verbose=0)


# ---- arrays --------------------------------------------------------------------------------------------

BAD_ARRAYS = {
    "complex": (X + 1j).astype(np.complex64),
    "object of numbers": X.astype(object),
    "object of strings": np.array([["1", "2", "3"]] * 8, dtype=object),
    "strings": np.array([["1", "2", "3"]] * 8),
    "bytes": np.array([[b"1", b"2", b"3"]] * 8),
    "datetime": np.zeros((8, 3), dtype="datetime64[s]"),
}


@pytest.mark.parametrize("kind", sorted(BAD_ARRAYS))
def test_arrays_of_other_than_real_numbers(kind):
    bad = BAD_ARRAYS[kind]
    m = model()
    before = m.get_weights()
    with pytest.raises(ValueError, match="Invalid dtype"):
        m.predict(bad, verbose=0)
    with pytest.raises(ValueError, match="Invalid dtype"):
        m.fit(bad, Y, verbose=0)
    with pytest.raises(ValueError, match="Invalid dtype"):
        m.fit(X, bad[:, :2], verbose=0)
    with pytest.raises(ValueError, match="Invalid dtype"):
        m.fit(X, Y, sample_weight=bad[:, 0], verbose=0)
    with pytest.raises(ValueError, match="Invalid dtype"):
        m.fit(X, Y, validation_data=(bad, Y), verbose=0)
    with pytest.raises(ValueError, match="Invalid dtype"):
        m.evaluate(X, bad[:, :2], verbose=0)
    with pytest.raises(ValueError, match="Invalid dtype"):
        m.train_on_batch(bad, Y)
    with pytest.raises(ValueError, match="Invalid dtype"):
        m.set_weights([bad[:3, :2], np.zeros(2, np.float32)])
    assert unchanged(m, before)


def test_complex_batch_from_a_generator():
    m = model()

    def batches():
        yield X.astype(np.complex128), Y

    with pytest.raises(ValueError, match="Invalid dtype: complex128"):
        m.fit(batches(), verbose=0)


def test_a_string_is_not_an_array():
    with pytest.raises(TypeError, match="numeric array-like"):
        model().predict("1 2 3", verbose=0)


def test_real_dtypes_and_layouts_agree():
    """bool, int and float arrays, C or Fortran order, strided views and lists all predict as float32 does."""
    m = model()
    ref = m.predict(X, verbose=0)
    wide = np.zeros((8, 6), np.float32)
    wide[:, ::2] = X
    for x in (X.astype(np.float64), np.asfortranarray(X), wide[:, ::2], X[::-1][::-1], X.tolist()):
        np.testing.assert_array_equal(m.predict(x, verbose=0), ref)
    ints = np.arange(24).reshape(8, 3)
    np.testing.assert_array_equal(m.predict(ints, verbose=0), m.predict(ints.astype(np.float32), verbose=0))
    bools = ints % 2 == 0
    np.testing.assert_array_equal(m.predict(bools, verbose=0), m.predict(bools.astype(np.float32), verbose=0))


def test_mismatched_lengths():
    m = model()
    with pytest.raises(ValueError, match="Data cardinality is ambiguous"):
        m.fit(X, Y[:5], verbose=0)
    with pytest.raises(ValueError, match="Data cardinality is ambiguous"):
        m.fit(X, Y, validation_data=(X[:4], Y[:3]), verbose=0)
    with pytest.raises(ValueError, match="sample_weight"):
        m.fit(X, Y, sample_weight=np.ones(3), verbose=0)
    with pytest.raises(ValueError, match="Data cardinality is ambiguous"):
        m.evaluate(X, Y[:7], verbose=0)
    with pytest.raises(ValueError, match="Data cardinality is ambiguous"):
        m.train_on_batch(X, Y[:2])
    with pytest.raises(ValueError, match="expected shape"):
        m.predict(X[:, :2], verbose=0)
