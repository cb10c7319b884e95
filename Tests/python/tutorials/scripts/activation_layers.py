"""Activations as layers, as the Keras layer guides write them: Dense followed by layers.ReLU(),
layers.LeakyReLU(negative_slope=0.1) and a final layers.Softmax(), classifying points of three rings.

Data: 2-D points on three concentric rings (not linearly separable), with noise."""
import numpy as np
import keras
from keras import layers

SEED = 1337
keras.utils.set_random_seed(SEED)

rng = np.random.default_rng(0)


def make_rings(n):
    labels = rng.integers(0, 3, n)
    radius = 1.0 + labels + rng.normal(0.0, 0.15, n)
    angle = rng.uniform(0, 2 * np.pi, n)
    points = np.stack([radius * np.cos(angle), radius * np.sin(angle)], axis=1)
    return points.astype("float32"), labels


x_train, y_train = make_rings(1500)
x_test, y_test = make_rings(300)

model = keras.Sequential([
    keras.Input(shape=(2,)),
    layers.Dense(32),
    layers.ReLU(),
    layers.Dense(32),
    layers.LeakyReLU(negative_slope=0.1),
    layers.Dense(3),
    layers.Softmax(),
])
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
model.fit(x_train, y_train, epochs=15, batch_size=32, verbose=0)
test_loss, test_accuracy = model.evaluate(x_test, y_test, verbose=0)

RESULT = {
    "layer_names": [layer.name for layer in model.layers],
    "params": model.count_params(),
    "test_loss": test_loss,
    "test_accuracy": test_accuracy,
    "rows_sum_to_one": bool(np.allclose(model.predict(x_test[:8], verbose=0).sum(-1), 1.0, atol=1e-5)),
}
