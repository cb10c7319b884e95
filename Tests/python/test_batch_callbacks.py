"""Batch-level callbacks against Keras 3's recording (tools/fixtures/generate_callbacks_data.py writes
Tests/python/fixtures/callbacks_keras3.json): the order of every hook, its batch index and its logs."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import seqnn
from seqnn import keras

FIXTURE = json.loads((Path(__file__).parent / "fixtures" / "callbacks_keras3.json").read_text())
DATA = FIXTURE["data"]
CASES = FIXTURE["cases"]
HOOKS = ["on_train_begin", "on_train_end", "on_epoch_begin", "on_epoch_end", "on_test_begin", "on_test_end",
         "on_predict_begin", "on_predict_end", "on_train_batch_begin", "on_train_batch_end",
         "on_test_batch_begin", "on_test_batch_end", "on_predict_batch_begin", "on_predict_batch_end"]


def arr(a):
    return np.asarray(a["values"], dtype=np.float32).reshape(a["shape"])


X, Y, VX, VY = arr(DATA["x"]), arr(DATA["y"]), arr(DATA["val_x"]), arr(DATA["val_y"])


def model():
    m = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="relu"),
                          keras.layers.Dense(2, activation="softmax")])
    m.set_weights([arr(w) for w in DATA["initial_weights"]])
    m.compile(optimizer=keras.optimizers.SGD(0.1), loss="categorical_crossentropy", metrics=["accuracy"])
    return m


class Recorder(keras.callbacks.Callback):
    """Records every hook as Keras's recorder did: [hook, index, logs]."""

    def __init__(self, stop_at=None):
        super().__init__()
        self.events = []
        self.stop_at = stop_at
        self.epoch = -1

    def _add(self, name, index, logs):
        self.events.append([name, index, dict(logs or {})])

    def on_train_begin(self, logs=None): self._add("on_train_begin", None, logs)
    def on_train_end(self, logs=None): self._add("on_train_end", None, logs)
    def on_test_begin(self, logs=None): self._add("on_test_begin", None, logs)
    def on_test_end(self, logs=None): self._add("on_test_end", None, logs)
    def on_predict_begin(self, logs=None): self._add("on_predict_begin", None, logs)
    def on_predict_end(self, logs=None): self._add("on_predict_end", None, logs)
    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch
        self._add("on_epoch_begin", epoch, logs)
    def on_epoch_end(self, epoch, logs=None): self._add("on_epoch_end", epoch, logs)
    def on_train_batch_begin(self, batch, logs=None): self._add("on_train_batch_begin", batch, logs)
    def on_train_batch_end(self, batch, logs=None):
        self._add("on_train_batch_end", batch, logs)
        if self.stop_at is not None and [self.epoch, batch] == list(self.stop_at):
            self.model.stop_training = True
    def on_test_batch_begin(self, batch, logs=None): self._add("on_test_batch_begin", batch, logs)
    def on_test_batch_end(self, batch, logs=None): self._add("on_test_batch_end", batch, logs)
    def on_predict_batch_begin(self, batch, logs=None): self._add("on_predict_batch_begin", batch, logs)
    def on_predict_batch_end(self, batch, logs=None): self._add("on_predict_batch_end", batch, logs)


def assert_events(got, want):
    """Same hooks, indices and log keys in the same order; values within float32 training tolerance."""
    assert [(e[0], e[1], sorted(e[2])) for e in got] == [(e[0], e[1], sorted(e[2])) for e in want]
    for g, w in zip(got, want):
        for k, v in w[2].items():
            if k == "outputs":
                np.testing.assert_allclose(g[2][k], arr(v), rtol=1e-4, atol=1e-5, err_msg=f"{w[0]} {w[1]}")
            else:
                assert g[2][k] == pytest.approx(v, rel=1e-4, abs=1e-5), (w[0], w[1], k)


def test_fit_evaluate_predict_hooks_match_keras3():
    m, rec = model(), Recorder()
    c = CASES["fit_validation"]
    m.fit(X, Y, batch_size=4, epochs=2, shuffle=False, validation_data=(VX, VY), verbose=0, callbacks=[rec])
    assert_events(rec.events, c["events"])
    rec = Recorder()
    m.evaluate(VX, VY, batch_size=4, verbose=0, callbacks=[rec])
    assert_events(rec.events, CASES["evaluate"]["events"])
    rec = Recorder()
    m.predict(X, batch_size=4, verbose=0, callbacks=[rec])
    assert_events(rec.events, CASES["predict"]["events"])


def test_stop_training_in_a_batch_hook_matches_keras3():
    m, rec = model(), Recorder(stop_at=(0, 1))
    c = CASES["stop_in_batch"]
    h = m.fit(X, Y, batch_size=4, epochs=3, shuffle=False, verbose=0, callbacks=[rec])
    assert_events(rec.events, c["events"])
    assert h.history["loss"] == pytest.approx(c["history"]["loss"], rel=1e-4)
    for w, k in zip(m.get_weights(), c["final_weights"]):
        np.testing.assert_allclose(w, arr(k), rtol=1e-4, atol=1e-5)


def test_keras2_on_batch_aliases_and_lambda():
    seen = []

    class K2(keras.callbacks.Callback):
        def on_batch_begin(self, batch, logs=None): seen.append(("begin", batch))
        def on_batch_end(self, batch, logs=None): seen.append(("end", batch, sorted(logs)))

    lam = []
    cb = keras.callbacks.LambdaCallback(on_train_batch_end=lambda b, logs: lam.append(b))
    model().fit(X, Y, batch_size=4, epochs=1, shuffle=False, verbose=0, callbacks=[K2(), cb])
    assert seen == [("begin", 0), ("end", 0, ["accuracy", "loss"]), ("begin", 1), ("end", 1, ["accuracy", "loss"]),
                    ("begin", 2), ("end", 2, ["accuracy", "loss"])]
    assert lam == [0, 1, 2]


def test_exception_in_a_batch_hook_stops_fit_and_is_reraised():
    class Boom(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            if batch == 1:
                raise RuntimeError("boom at 1")

    m = model()
    with pytest.raises(RuntimeError, match="boom at 1"):
        m.fit(X, Y, batch_size=4, epochs=2, verbose=0, callbacks=[Boom()])
    with pytest.raises(RuntimeError, match="boom"):
        class P(keras.callbacks.Callback):
            def on_predict_batch_begin(self, batch, logs=None): raise RuntimeError("boom in predict")
        m.predict(X, verbose=0, callbacks=[P()])
    # the model is usable afterwards
    assert np.isfinite(m.evaluate(X, Y, verbose=0)[0])


def test_no_batch_hook_means_no_python_call_per_batch(monkeypatch):
    # Without an overridden batch hook, fit registers nothing per batch with the library.
    made = []
    orig = seqnn.models._BatchHooks.__init__

    def spy(self, *a, **k):
        made.append(1)
        orig(self, *a, **k)

    monkeypatch.setattr(seqnn.models._BatchHooks, "__init__", spy)

    class EpochOnly(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None): pass

    m = model()
    m.fit(X, Y, batch_size=4, epochs=1, verbose=0, callbacks=[EpochOnly()])
    m.evaluate(X, Y, verbose=0, callbacks=[EpochOnly()])
    m.predict(X, verbose=0, callbacks=[EpochOnly()])
    assert made == []
