"""The Python API gives the C API's results: same seed, same calls, same data -> the same weights and
History, bit for bit; files saved from Python load in C and back (a C program compiled with cc, and the
C API driven directly through ctypes)."""
from __future__ import annotations

import ctypes
from pathlib import Path

import numpy as np
import pytest

import seqnn
from seqnn import _ffi
from seqnn.keras import backend as K
from seqnn.keras.layers import Dense, Dropout
from seqnn.keras.models import Sequential, load_model

from conftest import run_c

HERE = Path(__file__).resolve().parent
N = 120


def mean_pred(y_true, y_pred):
    return K.mean(y_pred)


def dataset():
    r = np.random.default_rng(5)
    x = r.random((N, 20), dtype=np.float32)
    labels = (x[:, 0] * 3).astype(int) % 3
    return x, seqnn.utils.to_categorical(labels, 3)


def python_model():
    model = Sequential([Dense(16, activation="relu", input_shape=(20,)), Dropout(0.25),
                        Dense(3, activation="softmax")], seed=42)
    return model


def flat_weights(model):
    return np.concatenate([w.reshape(-1) for w in model.get_weights()])


@pytest.fixture(scope="module")
def prog(c_build):
    return c_build("parity_prog", (HERE / "parity_prog.c").read_text())


@pytest.fixture(scope="module")
def c_run(prog, tmp_path_factory):
    """Runs the C training once; returns its outputs."""
    d = tmp_path_factory.mktemp("c_side")
    x, y = dataset()
    x.tofile(d / "x.bin")
    y.tofile(d / "y.bin")
    run_c(prog, "train", str(d / "x.bin"), str(d / "y.bin"), str(N), str(d / "w0.bin"), str(d / "w1.bin"),
          str(d / "c_model.h5"), str(d / "hist.txt"))
    hist = {}
    for line in (d / "hist.txt").read_text().splitlines():
        key, *values = line.split()
        hist[key] = [float(v) for v in values]
    return {"dir": d, "w0": np.fromfile(d / "w0.bin", dtype=np.float32),
            "w1": np.fromfile(d / "w1.bin", dtype=np.float32), "history": hist}


def test_same_seed_same_initial_weights_as_c(c_run):
    assert np.array_equal(flat_weights(python_model()), c_run["w0"])


def test_same_training_as_c(c_run):
    x, y = dataset()
    model = python_model()
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy", mean_pred])
    history = model.fit(x, y, epochs=3, batch_size=16, validation_split=0.2, verbose=0)
    assert np.array_equal(flat_weights(model), c_run["w1"])
    c_hist = c_run["history"]
    assert list(history.history) == list(c_hist) == ["loss", "accuracy", "mean_pred", "val_loss", "val_accuracy",
                                                     "val_mean_pred"]
    for key in c_hist:
        if "mean_pred" in key:   # K.mean returns float32; the C metric keeps a double
            np.testing.assert_allclose(history.history[key], c_hist[key], rtol=1e-6)
        else:
            assert history.history[key] == c_hist[key], key


def test_same_training_through_the_c_api_in_ctypes(lib):
    """The same calls made directly on the C API from Python agree with the Python API."""
    x, y = dataset()
    m = lib.seqnn_model_create(7)
    try:
        assert lib.seqnn_model_add(m, b"Dense", b'{"units": 8, "activation": "tanh", "input_shape": [20]}') == 0
        assert lib.seqnn_model_add_dense(m, 3, b"softmax") == 0
        assert lib.seqnn_model_compile(m, b"sgd", b"categorical_crossentropy", b"accuracy") == 0
        opts, buf = _ffi.create_fit_options()
        opts.epochs, opts.batch_size, opts.verbose = 2, 10, 0
        hist = ctypes.c_void_p()
        assert lib.seqnn_model_fit(m, x, x.size, y, y.size, ctypes.addressof(opts), ctypes.byref(hist)) == 0
        c_loss = np.zeros(2)
        assert lib.seqnn_history_get(hist.value, b"loss", c_loss, 2, None) == 0
        lib.seqnn_history_free(hist.value)
        out = np.zeros((N, 3), dtype=np.float32)
        assert lib.seqnn_model_predict(m, x, x.size, 0, out.reshape(-1), out.size, None) == 0
    finally:
        lib.seqnn_model_free(m)

    model = Sequential([Dense(8, activation="tanh", input_shape=(20,)), Dense(3, activation="softmax")], seed=7)
    model.compile(optimizer=seqnn.optimizers.SGD(), loss="categorical_crossentropy", metrics=["accuracy"])
    h = model.fit(x, y, epochs=2, batch_size=10, verbose=0)
    assert h.history["loss"] == c_loss.tolist()
    assert np.array_equal(model.predict(x, verbose=0), out)


def test_c_file_loads_in_python(c_run):
    x, _ = dataset()
    d = c_run["dir"]
    loaded = load_model(d / "c_model.h5", custom_objects={"mean_pred": mean_pred})
    assert np.array_equal(flat_weights(loaded), c_run["w1"])
    assert [l.name for l in loaded.layers] == ["dense", "dropout", "dense_1"]
    assert [type(l).__name__ for l in loaded.layers] == ["Dense", "Dropout", "Dense"]
    assert loaded.metrics_names == ["loss", "accuracy", "mean_pred"]


def test_python_file_loads_in_c_and_back(prog, c_run, tmp_path):
    x, y = dataset()
    model = python_model()
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy", mean_pred])
    model.fit(x, y, epochs=2, batch_size=16, verbose=0)
    path = tmp_path / "py_model.h5"
    model.save(path)
    x.tofile(tmp_path / "x.bin")
    y.tofile(tmp_path / "y.bin")

    # C predicts with the Python file: the same numbers
    run_c(prog, "predict", str(path), str(tmp_path / "x.bin"), str(N), str(tmp_path / "c_pred.bin"))
    c_pred = np.fromfile(tmp_path / "c_pred.bin", dtype=np.float32).reshape(N, 3)
    assert np.array_equal(c_pred, model.predict(x, verbose=0))

    # C resumes training from the Python file and saves; Python resumes from the same file: the same weights
    run_c(prog, "resume", str(path), str(tmp_path / "x.bin"), str(tmp_path / "y.bin"), str(N),
          str(tmp_path / "c_resumed.h5"), str(tmp_path / "c_resumed_w.bin"))
    resumed = load_model(path, custom_objects={"mean_pred": mean_pred})
    resumed.fit(x, y, epochs=1, batch_size=16, shuffle=False, verbose=0)
    c_w = np.fromfile(tmp_path / "c_resumed_w.bin", dtype=np.float32)
    assert np.array_equal(flat_weights(resumed), c_w)

    # ... and the C-saved file comes back into Python with those weights
    back = load_model(tmp_path / "c_resumed.h5", custom_objects={"mean_pred": mean_pred})
    assert np.array_equal(flat_weights(back), c_w)
    np.testing.assert_array_equal(back.predict(x, verbose=0), resumed.predict(x, verbose=0))


def test_uninterrupted_training_equals_resumed_training(tmp_path):
    x, y = dataset()

    def fresh():
        m = python_model()
        m.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy", mean_pred])
        return m

    straight = fresh()
    straight.fit(x, y, epochs=4, batch_size=16, verbose=0)
    first = fresh()
    first.fit(x, y, epochs=2, batch_size=16, verbose=0)
    first.save(tmp_path / "half.h5")
    second = load_model(tmp_path / "half.h5", custom_objects={"mean_pred": mean_pred})
    second.fit(x, y, epochs=4, initial_epoch=2, batch_size=16, verbose=0)
    assert np.array_equal(flat_weights(second), flat_weights(straight))
