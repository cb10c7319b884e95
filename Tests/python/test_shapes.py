"""Shapes come from the C ABI (seqnn_model_input_shape, seqnn_model_layer_output_shape), not from the
summary text: checked against the shapes Keras documents, for built, fixed-batch and loaded models."""
from __future__ import annotations

import numpy as np
import pytest

import seqnn
from seqnn.keras.layers import Conv2D, Dense, Flatten, Input, MaxPooling2D, Reshape
from seqnn.keras.models import Sequential, load_model


def mnist_convnet(**kwargs):
    # Keras's "Simple MNIST convnet" example; its model.summary() shows these output shapes.
    return Sequential([Input(shape=(28, 28, 1), **kwargs), Conv2D(32, kernel_size=(3, 3), activation="relu"),
                       MaxPooling2D(pool_size=(2, 2)), Conv2D(64, kernel_size=(3, 3), activation="relu"),
                       MaxPooling2D(pool_size=(2, 2)), Flatten(), Dense(10, activation="softmax")], seed=1)


KERAS_SHAPES = [(26, 26, 32), (13, 13, 32), (11, 11, 64), (5, 5, 64), (1600,), (10,)]


@pytest.fixture
def no_summary(monkeypatch):
    """Makes any use of the summary text fail, so the shapes must come from elsewhere."""
    def refuse(self):
        raise AssertionError("shapes must not be read from summary()")
    monkeypatch.setattr(seqnn.models.Sequential, "_summary_text", refuse)


def test_convnet_shapes_as_keras_documents(no_summary):
    model = mnist_convnet()
    assert model.input_shape == (None, 28, 28, 1)
    assert [layer.output_shape for layer in model.layers] == [(None,) + s for s in KERAS_SHAPES]
    assert model.output_shape == (None, 10)


def test_fixed_batch_size_shows_in_every_shape(no_summary):
    model = mnist_convnet(batch_size=16)
    assert model.input_shape == (16, 28, 28, 1)
    assert [layer.output_shape for layer in model.layers] == [(16,) + s for s in KERAS_SHAPES]
    assert model.output_shape == (16, 10)


def test_shapes_agree_with_predict(no_summary, rng):
    model = Sequential([Dense(6, input_shape=(4, 3)), Reshape((3, 2, 4)), Flatten(), Dense(5)], seed=3)
    assert [l.output_shape for l in model.layers] == [(None, 4, 6), (None, 3, 2, 4), (None, 24), (None, 5)]
    out = model.predict(rng.random((7, 4, 3)), verbose=0)
    assert out.shape == (7,) + model.output_shape[1:]


def test_unbuilt_then_built(no_summary):
    model = Sequential([Dense(4), Dense(2)])
    assert model.input_shape is None and model.output_shape is None
    assert [l.output_shape for l in model.layers] == [(), ()]          # not known yet
    model.build((None, 3))
    assert model.input_shape == (None, 3) and [l.output_shape for l in model.layers] == [(None, 4), (None, 2)]
    model.pop()
    assert model.output_shape == (None, 4)                             # follows the model as it changes


def test_loaded_model_has_its_full_input_shape(tmp_path, no_summary):
    # The file's model takes (8, 4, 3) batches; reading only the C input *size* would give (8, 12).
    model = Sequential([Dense(5, batch_size=8, input_shape=(4, 3)), Flatten(), Dense(2)], seed=2)
    model.save(tmp_path / "m.h5")
    back = load_model(tmp_path / "m.h5")
    assert back.input_shape == (8, 4, 3) and back.output_shape == (8, 2)
    assert [l.output_shape for l in back.layers] == [(8, 4, 5), (8, 20), (8, 2)]
    assert back.get_config()["layers"][0]["config"]["batch_shape"] == [8, 4, 3]
    x = np.ones((8, 4, 3), dtype=np.float32)
    assert np.array_equal(back.predict(x, verbose=0), model.predict(x, verbose=0))
