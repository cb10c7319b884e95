"""Threads: several threads predicting with one model at once get identical results (the library runs
them in parallel: ctypes releases the GIL); a change to a model during another call is refused with
BusyError instead of corrupting it."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np

import seqnn
from seqnn.keras.callbacks import LambdaCallback
from seqnn.keras.layers import Dense
from seqnn.keras.models import Sequential


def model():
    m = Sequential([Dense(64, activation="relu", input_shape=(32,)), Dense(64, activation="relu"),
                    Dense(10, activation="softmax")], seed=21)
    m.compile("adam", "categorical_crossentropy", metrics=["accuracy"])
    return m


def test_concurrent_predict_is_identical():
    m = model()
    x = np.random.default_rng(0).normal(size=(512, 32)).astype(np.float32)
    expected = m.predict(x, verbose=0)
    start = threading.Barrier(8)

    def work(i):
        start.wait()
        return [m.predict(x, verbose=0) for _ in range(20)]

    with ThreadPoolExecutor(8) as pool:
        results = [r for rs in pool.map(work, range(8)) for r in rs]
    assert len(results) == 160
    for r in results:
        assert np.array_equal(r, expected)


def test_concurrent_predict_with_different_batch_sizes():
    m = model()
    x = np.random.default_rng(1).normal(size=(100, 32)).astype(np.float32)
    expected = {b: m.predict(x, batch_size=b, verbose=0) for b in (1, 16, 100)}
    with ThreadPoolExecutor(6) as pool:
        futures = [(b, pool.submit(m.predict, x, b, 0)) for b in (1, 16, 100) * 10]
        for b, f in futures:
            assert np.array_equal(f.result(), expected[b])


def test_change_during_fit_is_busy():
    m = model()
    x = np.random.default_rng(2).normal(size=(64, 32)).astype(np.float32)
    y = seqnn.utils.to_categorical(np.arange(64) % 10, 10)
    in_fit = threading.Event()
    tried = threading.Event()
    errors = []

    def hold(epoch, logs):           # the fitting thread waits here while the other thread tries changes
        in_fit.set()
        tried.wait(10)

    def other():
        in_fit.wait(10)
        try:
            for attempt in (lambda: m.add(Dense(3)), lambda: m.compile("sgd", "mse"),
                            lambda: m.layers[0].kernel.assign(np.zeros((32, 64))), lambda: m.evaluate(x, y, verbose=0),
                            lambda: m.fit(x, y, verbose=0), lambda: m.predict(x, verbose=0)):
                try:
                    attempt()
                except seqnn.BusyError as e:
                    errors.append(str(e))
        finally:
            tried.set()

    t = threading.Thread(target=other)
    t.start()
    m.fit(x, y, epochs=1, verbose=0, callbacks=[LambdaCallback(on_epoch_end=hold)])
    t.join()
    # changes, and also reads from other threads (only the fitting thread may read during fit)
    assert len(errors) == 6, errors
    assert all("in use by another call" in e or "being modified" in e for e in errors), errors
    assert len(m.layers) == 3 and m.predict(x[:2], verbose=0).shape == (2, 10)


def test_python_threads_run_during_predict():
    """The GIL is released during library calls: a Python thread keeps running while predict computes."""
    m = Sequential([Dense(512, activation="relu", input_shape=(512,)), Dense(512)], seed=3)
    x = np.ones((2048, 512), dtype=np.float32)
    ticks = []
    stop = threading.Event()

    def ticker():
        while not stop.is_set():
            ticks.append(1)

    t = threading.Thread(target=ticker)
    t.start()
    try:
        for _ in range(3):
            m.predict(x, verbose=0)
    finally:
        stop.set()
        t.join()
    assert len(ticks) > 100
