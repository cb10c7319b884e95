"""Callbacks: Keras's hooks once per epoch, EarlyStopping, ModelCheckpoint, LambdaCallback, and exceptions
raised in Python callbacks and metrics stopping training cleanly and coming back out of fit."""
from __future__ import annotations

import numpy as np
import pytest

import seqnn
from seqnn.keras import backend as K
from seqnn.keras.callbacks import Callback, CSVLogger, EarlyStopping, LambdaCallback, ModelCheckpoint, TerminateOnNaN
from seqnn.keras.layers import Dense
from seqnn.keras.models import Sequential, load_model


def data(n=200, seed=0):
    r = np.random.default_rng(seed)
    x = r.random((n, 8), dtype=np.float32)
    y = (x[:, :1] + x[:, 1:2] > 1).astype(np.float32)
    return x, y


def model(seed=3, **compile_kwargs):
    m = Sequential([Dense(16, activation="relu", input_shape=(8,)), Dense(1, activation="sigmoid")], seed=seed)
    m.compile(**({"optimizer": "adam", "loss": "binary_crossentropy", "metrics": ["accuracy"]} | compile_kwargs))
    return m


class Recorder(Callback):
    def __init__(self):
        super().__init__()
        self.events = []

    def on_train_begin(self, logs=None):
        self.events.append(("train_begin", self.params["epochs"]))

    def on_epoch_begin(self, epoch, logs=None):
        self.events.append(("epoch_begin", epoch))

    def on_epoch_end(self, epoch, logs=None):
        self.events.append(("epoch_end", epoch, sorted(logs)))

    def on_train_end(self, logs=None):
        self.events.append(("train_end", sorted(logs)))


def test_hooks_in_keras_order():
    x, y = data()
    rec = Recorder()
    m = model()
    m.fit(x, y, epochs=3, validation_split=0.25, verbose=0, callbacks=[rec])
    keys = ["accuracy", "loss", "val_accuracy", "val_loss"]
    assert rec.events == [("train_begin", 3),
                          ("epoch_begin", 0), ("epoch_end", 0, keys),
                          ("epoch_begin", 1), ("epoch_end", 1, keys),
                          ("epoch_begin", 2), ("epoch_end", 2, keys),
                          ("train_end", keys)]
    assert rec.model is m


def test_initial_epoch():
    x, y = data()
    rec = Recorder()
    h = model().fit(x, y, epochs=4, initial_epoch=2, verbose=0, callbacks=[rec])
    assert h.epoch == [2, 3]
    assert [e[1] for e in rec.events if e[0] == "epoch_end"] == [2, 3]


def test_stop_training_from_a_callback():
    x, y = data()

    class StopAfterTwo(Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 1:
                self.model.stop_training = True
    h = model().fit(x, y, epochs=10, verbose=0, callbacks=[StopAfterTwo()])
    assert h.epoch == [0, 1] and len(h.history["loss"]) == 2


def test_early_stopping_restores_best_weights():
    x, y = data()
    m = model(optimizer=seqnn.optimizers.SGD(learning_rate=0.5))
    seen = []

    class Spy(Callback):
        def on_epoch_end(self, epoch, logs=None):
            seen.append((logs["val_loss"], self.model.get_weights()))
    es = EarlyStopping(monitor="val_loss", patience=2, restore_best_weights=True, min_delta=0.0)
    h = m.fit(x, y, epochs=200, validation_split=0.3, verbose=0, callbacks=[es, Spy()])
    assert len(h.epoch) < 200 and es.stopped_epoch == h.epoch[-1]
    best = int(np.argmin([v for v, _ in seen]))
    assert es.best_epoch == best
    for a, b in zip(m.get_weights(), seen[best][1]):
        assert np.array_equal(a, b)


def test_early_stopping_on_accuracy_uses_max_mode():
    es = EarlyStopping(monitor="val_accuracy")
    assert es._better(0.9, 0.8)
    es = EarlyStopping(monitor="val_loss")
    assert es._better(0.1, 0.2)


def test_model_checkpoint_saves_from_inside_fit(tmp_path):
    x, y = data()
    m = model()
    path = str(tmp_path / "best-{epoch:02d}.h5")
    ck = ModelCheckpoint(path, monitor="val_loss", save_best_only=True)
    m.fit(x, y, epochs=5, validation_split=0.2, verbose=0, callbacks=[ck])
    files = sorted(p.name for p in tmp_path.iterdir())
    assert files and files[0] == "best-01.h5"
    loaded = load_model(tmp_path / files[-1])
    assert loaded.predict(x[:4], verbose=0).shape == (4, 1)

    every = str(tmp_path / "every.h5")
    m.fit(x, y, epochs=2, verbose=0, callbacks=[ModelCheckpoint(every)])
    again = load_model(every)
    np.testing.assert_array_equal(again.predict(x, verbose=0), m.predict(x, verbose=0))


def test_model_checkpoint_weights_only(tmp_path):
    x, y = data()
    m = model()
    path = tmp_path / "w.weights.h5"
    m.fit(x, y, epochs=2, verbose=0, callbacks=[ModelCheckpoint(path, save_weights_only=True, monitor="loss")])
    other = model(seed=99)
    other.load_weights(path)
    for a, b in zip(other.get_weights(), m.get_weights()):
        assert np.array_equal(a, b)


def test_lambda_callback_and_predict_inside_fit():
    x, y = data()
    m = model()
    outputs = []
    cb = LambdaCallback(on_epoch_end=lambda epoch, logs: outputs.append(m.predict(x[:2], verbose=0)))
    m.fit(x, y, epochs=3, verbose=0, callbacks=[cb])
    assert len(outputs) == 3 and all(o.shape == (2, 1) for o in outputs)
    assert not np.array_equal(outputs[0], outputs[2])


def test_changing_the_model_inside_fit_is_busy():
    x, y = data()
    m = model()
    caught = []

    def change(epoch, logs):
        try:
            m.set_weights(m.get_weights())
        except seqnn.BusyError as e:
            caught.append(str(e))
    m.fit(x, y, epochs=1, verbose=0, callbacks=[LambdaCallback(on_epoch_end=change)])
    assert caught and "seqnn_model_set_weight" in caught[0]


def test_exception_in_a_callback_is_reraised_and_training_stops():
    x, y = data()
    m = model()
    epochs_seen = []

    class Boom(Callback):
        def on_epoch_end(self, epoch, logs=None):
            epochs_seen.append(epoch)
            if epoch == 1:
                raise KeyError("boom in epoch 1")

    with pytest.raises(KeyError, match="boom in epoch 1") as e:
        m.fit(x, y, epochs=10, verbose=0, callbacks=[Boom()])
    assert epochs_seen == [0, 1]
    assert any("Python callback during SeqNN fit" in n for n in getattr(e.value, "__notes__", []))
    # the model is usable afterwards
    h = m.fit(x, y, epochs=1, verbose=0)
    assert len(h.history["loss"]) == 1


def test_exception_in_a_metric_is_reraised():
    x, y = data()
    m = Sequential([Dense(4, input_shape=(8,)), Dense(1, activation="sigmoid")], seed=1)
    calls = []
    always = []

    def bad_metric(y_true, y_pred):
        calls.append(y_pred.shape)
        if len(calls) == 3 or always:
            raise ZeroDivisionError("metric failed on batch 3")
        return K.mean(y_pred)

    m.compile("adam", "binary_crossentropy", metrics=[bad_metric])
    with pytest.raises(ZeroDivisionError, match="metric failed on batch 3"):
        m.fit(x, y, epochs=5, batch_size=32, verbose=0)
    assert len(calls) == 3 and calls[0] == (32, 1)
    # evaluate and train_on_batch re-raise too
    always.append(True)
    with pytest.raises(ZeroDivisionError):
        m.evaluate(x, y, verbose=0)
    with pytest.raises(ZeroDivisionError):
        m.train_on_batch(x[:8], y[:8])
    always.clear()
    assert len(m.train_on_batch(x[:8], y[:8])) == 2


def test_exception_in_on_train_begin_propagates_before_training():
    x, y = data()
    m = model()
    w = m.get_weights()

    class Early(Callback):
        def on_train_begin(self, logs=None):
            raise RuntimeError("nope")
    with pytest.raises(RuntimeError, match="nope"):
        m.fit(x, y, epochs=2, verbose=0, callbacks=[Early()])
    for a, b in zip(m.get_weights(), w):
        assert np.array_equal(a, b)


def test_batch_hooks_are_called():
    # Batch-level hooks run (test_batch_callbacks.py checks them against Keras 3's recording).
    seen = []

    class Batchy(Callback):
        def on_train_batch_end(self, batch, logs=None):
            seen.append(batch)
    x, y = data()
    model().fit(x, y, epochs=1, batch_size=len(x) // 2, verbose=0, callbacks=[Batchy()])
    assert seen == [0, 1]


def test_csv_logger_and_terminate_on_nan(tmp_path):
    x, y = data()
    path = tmp_path / "log.csv"
    model().fit(x, y, epochs=3, verbose=0, callbacks=[CSVLogger(path), TerminateOnNaN()])
    lines = path.read_text().strip().splitlines()
    assert lines[0] == "epoch,accuracy,loss" and len(lines) == 4


def test_callbacks_are_released_after_fit():
    import gc
    import weakref
    x, y = data()
    m = model()
    cb = Recorder()
    ref = weakref.ref(cb)
    m.fit(x, y, epochs=1, verbose=0, callbacks=[cb])
    del cb
    gc.collect()
    assert ref() is None
