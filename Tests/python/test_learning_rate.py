"""model.optimizer.learning_rate after compile is the library's (seqnn_model_get_learning_rate), and setting
it changes the compiled optimizer (seqnn_model_set_learning_rate), as Keras's does: read back through the
C API itself, and seen in what a training step does."""
from __future__ import annotations

import ctypes

import numpy as np
import pytest

import seqnn
from seqnn import _ffi, callbacks, optimizers
from seqnn.keras.layers import Dense
from seqnn.keras.models import Sequential


def c_learning_rate(model) -> float:
    """The rate as a C program would read it, bypassing the optimizer object."""
    out = ctypes.c_double(0)
    assert _ffi.lib().seqnn_model_get_learning_rate(model._ptr, ctypes.byref(out)) == 0
    return out.value


def f32(x: float) -> float:
    return float(np.float32(x))


def linear_model(lr=0.1, **kwargs):
    m = Sequential([Dense(1, use_bias=False, input_shape=(3,), kernel_initializer="ones")], seed=1)
    m.compile(optimizers.SGD(learning_rate=lr, **kwargs), "mse")
    return m


X = np.array([[1.0, 2.0, 0.5], [0.0, -1.0, 3.0], [2.0, 0.5, -1.0], [1.0, 1.0, 1.0]], dtype=np.float32)
Y = np.array([[1.0], [0.0], [2.0], [-1.0]], dtype=np.float32)


def sgd_step(w: np.ndarray, lr: float) -> np.ndarray:
    """One plain SGD step on mean squared error for y = x @ w, worked out by hand: grad = 2/N x^T (x w - y)."""
    grad = 2.0 / len(X) * X.T.astype(np.float64) @ (X.astype(np.float64) @ w - Y)
    return w - lr * grad


def test_read_after_compile():
    m = linear_model(0.1)
    assert m.optimizer.learning_rate == 0.1 and m.optimizer.lr == 0.1
    assert c_learning_rate(m) == f32(0.1)
    m2 = Sequential([Dense(1, input_shape=(3,))])
    m2.compile("sgd", "mse")                           # a name: Keras 3's default rate, as an object
    assert isinstance(m2.optimizer, optimizers.SGD) and m2.optimizer.learning_rate == 0.01
    assert c_learning_rate(m2) == f32(0.01)


def test_set_then_read_back():
    m = linear_model(0.1)
    m.optimizer.learning_rate = 0.025
    assert c_learning_rate(m) == f32(0.025)
    assert m.optimizer.learning_rate == 0.025 and m.optimizer.get_config()["learning_rate"] == 0.025
    m.optimizer.lr = 0.5                                # Keras 2's name
    assert c_learning_rate(m) == f32(0.5) and m.optimizer.learning_rate == 0.5


def test_the_rate_set_is_the_rate_trained_with():
    # From the same start, one SGD step moves the weights by lr * gradient: set the rate after compile and
    # the step follows it, matching the hand-computed update for each rate.
    steps = {}
    for lr in (0.1, 0.05, 0.2):
        m = linear_model(0.1)
        m.optimizer.learning_rate = lr
        w0 = m.get_weights()[0].astype(np.float64)
        m.train_on_batch(X, Y)
        w1 = m.get_weights()[0].astype(np.float64)
        np.testing.assert_allclose(w1, sgd_step(w0, lr), rtol=1e-5, atol=1e-6)
        steps[lr] = w1 - w0
    np.testing.assert_allclose(steps[0.2], 2 * steps[0.1], rtol=1e-5)
    np.testing.assert_allclose(steps[0.05], 0.5 * steps[0.1], rtol=1e-5)


def test_rate_keeps_the_optimizer_state():
    # Momentum survives a rate change (a re-compile would reset it): compare with a run that never changed.
    a, b = linear_model(0.1, momentum=0.9), linear_model(0.1, momentum=0.9)
    for m in (a, b):
        m.train_on_batch(X, Y)
    b.optimizer.learning_rate = 0.1                     # same value, through the setter
    a.train_on_batch(X, Y)
    b.train_on_batch(X, Y)
    assert np.array_equal(a.get_weights()[0], b.get_weights()[0])


def test_set_before_the_model_is_built():
    # compile waits for the input shape; a rate set meanwhile is the one the library gets.
    m = Sequential([Dense(1, use_bias=False, kernel_initializer="ones")], seed=1)
    m.compile(optimizers.SGD(learning_rate=0.1), "mse")
    m.optimizer.learning_rate = 0.3
    assert m.optimizer.learning_rate == 0.3
    w0 = np.ones((3, 1))
    m.train_on_batch(X, Y)                              # builds and compiles
    assert c_learning_rate(m) == f32(0.3)
    np.testing.assert_allclose(m.get_weights()[0], sgd_step(w0, 0.3), rtol=1e-5, atol=1e-6)


def test_set_from_a_callback_during_fit():
    m = linear_model(0.4)
    seen = []

    class Halve(callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            self.model.optimizer.learning_rate = self.model.optimizer.learning_rate / 2
            seen.append(self.model.optimizer.learning_rate)

    m.fit(X, Y, epochs=3, batch_size=4, verbose=0, callbacks=[Halve()])
    assert seen == [0.2, 0.1, 0.05] and c_learning_rate(m) == f32(0.05)


def test_bad_rates_are_refused_and_change_nothing():
    m = linear_model(0.1)
    with pytest.raises(ValueError, match="learning_rate"):
        m.optimizer.learning_rate = -1
    with pytest.raises(ValueError, match="learning_rate"):
        m.optimizer.learning_rate = float("nan")
    with pytest.raises(ValueError):
        m.optimizer.learning_rate = "fast"
    with pytest.raises(seqnn.SeqNNValueError, match="float32"):     # the library's rule: finite in float32
        m.optimizer.learning_rate = 1e39
    assert m.optimizer.learning_rate == 0.1 and c_learning_rate(m) == f32(0.1)
    m.optimizer.learning_rate = 0.0                                  # Keras allows 0 (ReduceLROnPlateau(factor=0))
    assert c_learning_rate(m) == 0.0


def test_recompiled_model_and_old_optimizer():
    m = linear_model(0.1)
    first = m.optimizer
    m.compile(optimizers.SGD(learning_rate=0.2), "mse")
    first.learning_rate = 0.7                            # no longer this model's optimizer
    assert c_learning_rate(m) == f32(0.2) and m.optimizer.learning_rate == 0.2
    m.add(Dense(1))                                      # un-compiles the model in the library
    m.optimizer.learning_rate = 0.05                     # kept by the object for the next compile
    m.compile(m.optimizer, "mse")
    assert c_learning_rate(m) == f32(0.05)
