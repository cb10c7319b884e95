"""Rescaling and Normalization from Python: adapt before and after the layer is in a built model (the same
statistics either way, numpy's mean and population variance), their use in fit, and the saved file."""
import numpy as np
import pytest

import seqnn.keras as keras
from seqnn.keras import layers


def data():
    rs = np.random.RandomState(1)
    return (rs.rand(40, 4) * [1, 10, 100, 0.1] + [0, 5, -3, 2]).astype("float32")


def test_adapt_before_and_after_building_gives_the_statistics_numpy_computes():
    x = data()
    early = layers.Normalization()
    early.adapt(x)                                                   # not in a model yet
    a = keras.models.Sequential([keras.Input(shape=(4,)), early])
    b = keras.models.Sequential([keras.Input(shape=(4,)), layers.Normalization()])
    b.layers[0].adapt(x)                                             # through seqnn_model_adapt_layer
    for model in (a, b):
        mean, var, count = model.layers[0].get_weights()
        np.testing.assert_allclose(mean, x.mean(0), rtol=1e-5)
        np.testing.assert_allclose(var, x.var(0), rtol=1e-4)
        assert count == 0
        z = model.predict(x, verbose=0)
        np.testing.assert_allclose(z.mean(0), 0, atol=1e-4)
        np.testing.assert_allclose(z.std(0), 1, atol=1e-4)


def test_preprocessing_layers_train_save_and_load(tmp_path):
    x = data()
    y = keras.utils.to_categorical(np.arange(40) % 3, num_classes=3)
    norm = layers.Normalization()
    norm.adapt(x * 0.5 + 1)
    model = keras.models.Sequential([keras.Input(shape=(4,)), layers.Rescaling(0.5, offset=1.0), norm,
                                     layers.Dense(3, activation="softmax")])
    model.compile(optimizer="sgd", loss="categorical_crossentropy")
    model.fit(x, y, epochs=2, verbose=0)
    path = str(tmp_path / "pre.h5")
    model.save(path)
    back = keras.models.load_model(path)
    np.testing.assert_array_equal(back.predict(x, verbose=0), model.predict(x, verbose=0))
    np.testing.assert_array_equal(back.layers[1].get_weights()[0], model.layers[1].get_weights()[0])


def test_adapt_refuses_given_statistics_and_bad_data():
    with pytest.raises(ValueError, match="adapt"):
        layers.Normalization(mean=0.0, variance=1.0).adapt(data())
    with pytest.raises(ValueError, match="finite"):
        layers.Normalization().adapt(np.array([[1.0, np.nan]]))
