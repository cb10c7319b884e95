"""fit/evaluate/predict from a PyDataset or a generator, against Keras 3's recording
(tools/fixtures/generate_callbacks_data.py): the same training as from arrays, Keras 3's hooks and
on_epoch_end calls, a generator run until exhausted, steps_per_epoch continuing across epochs."""
from __future__ import annotations

import numpy as np
import pytest

import seqnn
from seqnn import keras
from test_batch_callbacks import CASES, VX, VY, X, Y, Recorder, arr, assert_events, model


class Batches(keras.utils.PyDataset):
    def __init__(self, x, y, size):
        super().__init__()
        self.x, self.y, self.size = x, y, size
        self.calls = []
        self.items = []

    def __len__(self):
        return -(-len(self.x) // self.size)

    def __getitem__(self, i):
        self.items.append(i)
        return self.x[i * self.size:(i + 1) * self.size], self.y[i * self.size:(i + 1) * self.size]

    def on_epoch_end(self):
        self.calls.append("on_epoch_end")


def assert_weights(m, want):
    for w, k in zip(m.get_weights(), want):
        np.testing.assert_allclose(w, arr(k), rtol=1e-4, atol=1e-5)


def test_pydataset_trains_as_arrays_and_as_keras3():
    c = CASES["pydataset_vs_arrays"]
    a = model()
    ha = a.fit(X, Y, batch_size=4, epochs=3, shuffle=False, verbose=0)
    assert ha.history["loss"] == pytest.approx(c["arrays"]["history"]["loss"], rel=1e-4)
    m, rec, ds, vds = model(), Recorder(), Batches(X, Y, 4), Batches(VX, VY, 4)
    h = m.fit(ds, epochs=3, shuffle=False, verbose=0, validation_data=vds, callbacks=[rec])
    for w, v in zip(m.get_weights(), a.get_weights()):   # the same batches in the same order: the same weights
        np.testing.assert_array_equal(w, v)
    for k in ("loss", "accuracy", "val_loss", "val_accuracy"):
        assert h.history[k] == pytest.approx(c["history"][k], rel=1e-4), k
    assert_weights(m, c["final_weights"])
    assert_events(rec.events, c["events"])
    assert ds.calls == c["dataset_calls"]                # once at the start, then after each epoch
    assert vds.calls == c["validation_dataset_calls"]    # before and after each validation


def test_pydataset_shuffle_visits_every_batch_once_per_epoch():
    ds = Batches(X, Y, 4)
    m = model()
    m.fit(ds, epochs=4, shuffle=True, verbose=0)
    epochs = [ds.items[i:i + 3] for i in range(1, 13, 3)]    # items[0] is the first-batch peek
    assert all(sorted(e) == [0, 1, 2] for e in epochs)
    assert any(e != [0, 1, 2] for e in epochs)


def test_generator_until_exhausted_as_keras3():
    c = CASES["generator_until_exhausted"]

    def batches(n, size=4):
        for i in range(n):
            j = (i * size) % len(X)
            yield X[j:j + size], Y[j:j + size]

    m, rec = model(), Recorder()
    with pytest.warns(UserWarning, match="shuffle"):
        h = m.fit(batches(3), epochs=1, verbose=0, callbacks=[rec])
    assert_events(rec.events, c["events"])    # including on_train_batch_begin(3) before it runs out
    assert h.history["loss"] == pytest.approx(c["history"]["loss"], rel=1e-4)
    assert_weights(m, c["final_weights"])
    # an exhausted generator gives the next epoch nothing: training ends there
    h = model().fit(batches(3), epochs=3, shuffle=False, verbose=0)
    assert len(h.history["loss"]) == 1


def test_generator_steps_per_epoch_continues_as_keras3():
    c = CASES["generator_steps_per_epoch"]

    def endless(size=4):
        i = 0
        while True:
            j = (i * size) % 12
            i += 1
            yield X[j:j + size], Y[j:j + size]

    m, rec = model(), Recorder()
    h = m.fit(endless(), steps_per_epoch=2, epochs=2, shuffle=False, verbose=0, callbacks=[rec])
    assert_events(rec.events, c["events"])
    assert h.history["loss"] == pytest.approx(c["history"]["loss"], rel=1e-4)
    assert_weights(m, c["final_weights"])


def test_evaluate_and_predict_from_a_pydataset_and_a_generator():
    c = CASES["dataset_evaluate_predict"]
    m = model()
    m.set_weights([arr(w) for w in c["weights"]])
    r = m.evaluate(Batches(VX, VY, 4), verbose=0, return_dict=True)
    assert r["loss"] == pytest.approx(c["evaluate"]["loss"], rel=1e-5)
    assert r["accuracy"] == pytest.approx(c["evaluate"]["accuracy"])
    np.testing.assert_allclose(m.predict(Batches(X, Y, 4), verbose=0), arr(c["predict"]), rtol=1e-5, atol=1e-6)
    gen = (X[i:i + 3] for i in range(0, 10, 3))            # bare arrays (Keras 2 style) and a smaller last batch
    np.testing.assert_allclose(m.predict(gen, verbose=0), arr(c["predict"]), rtol=1e-5, atol=1e-6)
    assert m.predict((X[i:i + 4] for i in range(0, 10, 4)), steps=2, verbose=0).shape == (8, 2)
    sw = ((VX[i:i + 3], VY[i:i + 3], np.ones(3)) for i in (0, 3))
    assert m.evaluate(sw, verbose=0)[0] == pytest.approx(c["evaluate"]["loss"], rel=1e-5)


def test_sample_weights_from_batches_match_array_sample_weights():
    w = np.linspace(0.5, 2.0, 10).astype(np.float32)
    a, b = model(), model()
    a.fit(X, Y, batch_size=4, epochs=2, shuffle=False, sample_weight=w, verbose=0)
    b.fit(((X[i:i + 4], Y[i:i + 4], w[i:i + 4]) for _ in range(2) for i in (0, 4, 8)), steps_per_epoch=3,
          epochs=2, shuffle=False, verbose=0)
    for u, v in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_array_equal(u, v)


def test_seqnn_sequence_is_the_keras2_name():
    assert keras.utils.Sequence is keras.utils.PyDataset is seqnn.utils.PyDataset


def test_bad_batches_name_their_index():
    m = model()

    def gen(bad):
        yield X[:4], Y[:4]
        yield bad

    with pytest.raises(seqnn.ShapeMismatchError, match="batch 1"):
        m.fit(gen((X[:4, :3], Y[:4])), epochs=1, shuffle=False, verbose=0)
    with pytest.raises(seqnn.ShapeMismatchError, match="batch 1.*more than the first"):
        m.fit(gen((X[:6], Y[:6])), epochs=1, shuffle=False, verbose=0)
    nan = X[4:8].copy()
    nan[1, 2] = np.nan
    with pytest.raises(seqnn.SeqNNError, match="batch 1"):
        m.fit(gen((nan, Y[4:8])), epochs=1, shuffle=False, verbose=0)
    with pytest.raises(seqnn.ShapeMismatchError, match="batch 1: y"):
        m.fit(gen((X[4:8], Y[4:8, :1])), epochs=1, shuffle=False, verbose=0)
    with pytest.raises(ValueError, match="at least one batch"):
        m.fit((b for b in []), epochs=1, verbose=0)
    with pytest.raises(ValueError, match="length 0"):
        m.fit(Batches(X[:0], Y[:0], 4), epochs=1, verbose=0)

    class Fails(Batches):
        def __getitem__(self, i):
            if i == 2:
                raise KeyError("no batch 2")
            return super().__getitem__(i)

    with pytest.raises(KeyError, match="no batch 2"):
        m.fit(Fails(X, Y, 4), epochs=1, shuffle=False, verbose=0)
    assert np.isfinite(m.evaluate(X, Y, verbose=0)[0])   # still usable
