"""Model files from Python: save/load round trips, custom metrics named in files, options, weights."""
from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest

import seqnn
from seqnn.keras import backend as K
from seqnn.keras.layers import Activation, Dense, Dropout, Flatten, Reshape
from seqnn.keras.models import Sequential, load_model

REPO = Path(__file__).resolve().parents[2]


def mean_pred(y_true, y_pred):
    return K.mean(y_pred)


def trained(seed=31):
    r = np.random.default_rng(seed)
    x = r.random((80, 4, 3), dtype=np.float32)
    y = seqnn.utils.to_categorical(r.integers(0, 3, 80), 3)
    m = Sequential([Flatten(input_shape=(4, 3)), Dense(10, activation="relu"), Dropout(0.2),
                    Reshape((5, 2)), Flatten(), Dense(3), Activation("softmax")], seed=seed)
    m.compile(seqnn.optimizers.RMSprop(learning_rate=0.01), "categorical_crossentropy",
              metrics=["accuracy", mean_pred])
    m.fit(x, y, epochs=2, verbose=0)
    return m, x, y


def test_round_trip(tmp_path):
    m, x, y = trained()
    path = tmp_path / "model.h5"
    m.save(path)
    back = load_model(path, custom_objects={"mean_pred": mean_pred})
    assert [(l.name, type(l).__name__) for l in back.layers] == [(l.name, type(l).__name__) for l in m.layers]
    assert all(np.array_equal(a, b) for a, b in zip(back.get_weights(), m.get_weights()))
    assert np.array_equal(back.predict(x, verbose=0), m.predict(x, verbose=0))
    assert back.metrics_names == ["loss", "accuracy", "mean_pred"] and back.compiled
    assert back.evaluate(x, y, verbose=0) == m.evaluate(x, y, verbose=0)
    assert back.output_shape == (None, 3) and back.count_params() == m.count_params()
    lines_a, lines_b = [], []
    m.summary(print_fn=lines_a.append)
    back.summary(print_fn=lines_b.append)
    assert lines_a == lines_b
    # training continues identically from the file (optimizer state and generator restored)
    h1 = m.fit(x, y, epochs=1, verbose=0).history
    h2 = back.fit(x, y, epochs=1, verbose=0).history
    assert h1 == h2


def test_missing_custom_metric_warns_and_still_predicts(tmp_path):
    m, x, y = trained()
    m.save(tmp_path / "m.h5")
    with pytest.warns(UserWarning, match=r"custom_objects=\{'mean_pred': function\}"):
        back = load_model(tmp_path / "m.h5")
    assert np.array_equal(back.predict(x, verbose=0), m.predict(x, verbose=0))
    with pytest.raises(ValueError, match="unknown metric 'mean_pred'"):
        back.fit(x, y, verbose=0)
    back.compile("adam", "categorical_crossentropy", metrics=["accuracy", mean_pred])
    back.fit(x, y, verbose=0)


def test_load_without_compile(tmp_path):
    m, x, y = trained()
    m.save(tmp_path / "m.h5")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        back = load_model(str(tmp_path / "m.h5"), compile=False)
    assert not back.compiled
    with pytest.raises(seqnn.NotCompiledError, match="compile=False"):
        back.fit(x, y, verbose=0)
    back.compile("adam", "categorical_crossentropy")
    assert back.compiled
    back.fit(x, y, verbose=0)


def test_save_options(tmp_path):
    m, x, y = trained()
    path = tmp_path / "plain.hdf5"
    m.save(path, include_optimizer=False)
    back = load_model(path)
    assert not back.compiled
    m.save(tmp_path / "k2.h5", keras2_optimizer_weights=True, test_x=x[:4])
    assert load_model(tmp_path / "k2.h5", custom_objects={"mean_pred": mean_pred}).compiled
    with pytest.raises(FileExistsError):
        m.save(path, overwrite=False)
    with pytest.raises(ValueError, match="Invalid filepath extension"):
        m.save(tmp_path / "model")
    seqnn.models.save_model(m, tmp_path / "via_function.h5")
    assert (tmp_path / "via_function.h5").exists()


def test_failed_save_keeps_the_old_file(tmp_path):
    m, x, y = trained()
    path = tmp_path / "m.h5"
    m.save(path)
    before = path.read_bytes()
    unbuilt = Sequential([Dense(2)])
    with pytest.raises(seqnn.SeqNNError):
        unbuilt.save(path)
    assert path.read_bytes() == before


def test_weights_files(tmp_path):
    m, x, y = trained()
    m.save_weights(tmp_path / "w.weights.h5")
    other, _, _ = trained(seed=99)
    other.load_weights(tmp_path / "w.weights.h5")
    assert all(np.array_equal(a, b) for a, b in zip(other.get_weights(), m.get_weights()))
    wrong = Sequential([Dense(3, input_dim=2)])
    with pytest.raises(seqnn.SeqNNError, match="seqnn_model_load_weights"):
        wrong.load_weights(tmp_path / "w.weights.h5")
    with pytest.raises(FileNotFoundError):
        wrong.load_weights(tmp_path / "missing.h5")


FIXTURES = REPO / "Tests" / "SeqNNFileTests" / "Fixtures"
KERAS_FIXTURES = sorted(p for p in FIXTURES.glob("keras[23]/*.json") if p.name != "manifest.json")
ARCHIVE_FIXTURES = sorted(FIXTURES.glob("keras3_archive/*.json"))


@pytest.mark.parametrize("meta", KERAS_FIXTURES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_files_written_by_keras_predict_like_keras(meta):
    """Real Keras 2 and Keras 3 files (Tests/SeqNNFileTests/Fixtures) give Keras's predictions from Python."""
    import json
    d = json.loads(meta.read_text())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = load_model(meta.with_suffix(".h5"), custom_objects={"mean_pred": mean_pred})
    x = np.array(d["x"]["values"], dtype=np.float32).reshape(d["x"]["shape"])
    y = np.array(d["y"]["values"], dtype=np.float32).reshape(d["y"]["shape"])
    np.testing.assert_allclose(model.predict(x, verbose=0), y, rtol=0, atol=1e-5)
    assert [l.name for l in model.layers] == d["layer_names"]
    assert [type(l).__name__ for l in model.layers] == d["layer_classes"]
    assert model.count_params() == d["total_params"]


@pytest.mark.parametrize("meta", ARCHIVE_FIXTURES, ids=lambda p: p.stem)
def test_keras_archives_predict_and_keep_training_like_keras(meta, tmp_path):
    """Real Keras 3 .keras files: Keras's predictions, and after a .keras round trip through SeqNN the next
    training step Keras took (tools/fixtures/keras_archives/make_keras_files.py)."""
    import json
    d = json.loads(meta.read_text())
    arr = lambda a: np.array(a["values"], dtype=np.float32).reshape(a["shape"])  # noqa: E731
    model = load_model(meta.with_suffix(".keras"))
    np.testing.assert_allclose(model.predict(arr(d["x"]), verbose=0), arr(d["predict"]), rtol=1e-4, atol=1e-5)
    assert [type(l).__name__ for l in model.layers] == d["layer_classes"]
    if "next_step" not in d:
        return
    model.save(tmp_path / "again.keras")
    again = load_model(tmp_path / "again.keras")
    step = d["next_step"]
    loss = again.train_on_batch(arr(step["x"]), arr(step["y"]))
    assert float(np.ravel(loss)[0]) == pytest.approx(step["loss"], rel=1e-4, abs=1e-5)
    want = [arr(w) for layer in step["weights"] for w in layer]
    for got, w in zip(again.get_weights(), want):
        np.testing.assert_allclose(got, w, rtol=1e-4, atol=1e-5)


BAD_FIXTURES = sorted((FIXTURES / "bad").glob("*.h5"))


@pytest.mark.parametrize("path", BAD_FIXTURES, ids=lambda p: p.stem)
def test_bad_files_raise_seqnn_errors(path):
    with pytest.raises(seqnn.SeqNNError) as e:
        load_model(path)
    assert str(e.value).startswith("seqnn_model_load: ") and len(str(e.value)) > 30
    assert isinstance(e.value, (ValueError, OSError))


def test_fixed_batch_size_survives_a_round_trip(tmp_path):
    m = Sequential([Dense(3, batch_size=8, input_shape=(5,)), Dense(2)], seed=3)
    assert m.input_shape == (8, 5) and m.output_shape == (8, 2)
    m.save(tmp_path / "fixed.h5")
    back = load_model(tmp_path / "fixed.h5")
    assert back.input_shape == (8, 5) and back.output_shape == (8, 2)
    x = np.ones((16, 5), dtype=np.float32)
    assert np.array_equal(back.predict(x, verbose=0), m.predict(x, verbose=0))
