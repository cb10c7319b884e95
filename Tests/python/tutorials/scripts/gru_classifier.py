"""A multi-class sequence classifier with a GRU: which of three frequencies a noisy wave has. Labels stay
integers (sparse_categorical_crossentropy), the prediction is model.predict(x).argmax(-1), and
keras.ops.argmax gives the same.

Data: sine waves of 24 steps with random phase, amplitude and noise."""
import numpy as np
import keras
from keras import layers

SEED = 1337
keras.utils.set_random_seed(SEED)

timesteps = 24
frequencies = np.array([0.15, 0.35, 0.6])
rng = np.random.default_rng(0)


def make_waves(n):
    labels = rng.integers(0, 3, n)
    t = np.arange(timesteps)[None, :]
    phase = rng.uniform(0, 2 * np.pi, (n, 1))
    amplitude = rng.uniform(0.5, 1.5, (n, 1))
    waves = amplitude * np.sin(2 * np.pi * frequencies[labels][:, None] * t / 2 + phase)
    waves += rng.normal(0.0, 0.2, waves.shape)
    return waves[..., None].astype("float32"), labels


x_train, y_train = make_waves(1500)
x_test, y_test = make_waves(300)

model = keras.Sequential([
    keras.Input(shape=(timesteps, 1)),
    layers.GRU(16),
    layers.Dense(3, activation="softmax"),
])
model.compile(loss="sparse_categorical_crossentropy", optimizer=keras.optimizers.Adam(learning_rate=0.01),
              metrics=["accuracy"])
history = model.fit(x_train, y_train, batch_size=64, epochs=10, verbose=0, validation_split=0.2)

results = model.evaluate(x_test, y_test, verbose=0, return_dict=True)
predicted = model.predict(x_test, verbose=0).argmax(-1)
ops_predicted = keras.ops.convert_to_numpy(keras.ops.argmax(model(x_test), axis=-1))

RESULT = {
    "history_keys": sorted(history.history),
    "evaluate_keys": sorted(results),
    "test_loss": results["loss"],
    "test_accuracy": results["accuracy"],
    "argmax_accuracy": float(np.mean(predicted == y_test)),
    "ops_argmax_agrees": bool(np.array_equal(predicted, ops_predicted)),
}
