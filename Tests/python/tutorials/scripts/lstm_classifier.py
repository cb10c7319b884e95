"""A sequence classifier of the "RNNs with Keras" guide's shape: an LSTM over (timesteps, features) windows,
a sigmoid output, binary_crossentropy, and predictions thresholded by hand.

Data: two-channel signals of 20 steps; the label says whether channel 0 drifted up more than channel 1."""
import numpy as np
import keras
from keras import layers

SEED = 1337
keras.utils.set_random_seed(SEED)

timesteps, channels = 20, 2
rng = np.random.default_rng(0)


def make_signals(n):
    drift = rng.normal(0.0, 0.15, (n, 1, channels))
    steps = drift + rng.normal(0.0, 0.3, (n, timesteps, channels))
    signals = np.cumsum(steps, axis=1).astype("float32")
    labels = (signals[:, -1, 0] > signals[:, -1, 1]).astype("float32")
    return signals, labels


x_train, y_train = make_signals(1500)
x_test, y_test = make_signals(300)

model = keras.Sequential()
model.add(keras.Input(shape=(timesteps, channels)))
model.add(layers.LSTM(16))
model.add(layers.Dense(1, activation="sigmoid"))
model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
model.fit(x_train, y_train, batch_size=32, epochs=12, verbose=0)

loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
predicted = (model.predict(x_test, verbose=0) > 0.5).astype("int32").ravel()
hand_accuracy = float(np.mean(predicted == y_test))

RESULT = {
    "lstm_weight_shapes": [list(w.shape) for w in model.layers[0].get_weights()],
    "test_loss": loss,
    "test_accuracy": accuracy,
    "hand_accuracy": hand_accuracy,
}
