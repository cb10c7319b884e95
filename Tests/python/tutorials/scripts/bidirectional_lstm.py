"""The shape of keras.io's "Bidirectional LSTM on IMDB": Embedding, two stacked Bidirectional(LSTM) layers
(the first with return_sequences=True), a sigmoid output, fit with validation_data.

Data: token sequences of 30 steps from a 200-word vocabulary; the label says whether "not" (token 1)
comes right before a "good" word more often than before a "bad" one - order matters, both directions help."""
import numpy as np
import keras
from keras import layers

SEED = 1337
keras.utils.set_random_seed(SEED)

max_features = 200
maxlen = 30
rng = np.random.default_rng(0)


def make_sequences(n):
    x = rng.integers(10, max_features, (n, maxlen))
    labels = rng.integers(0, 2, n)
    for i, label in enumerate(labels):
        places = rng.choice(np.arange(0, maxlen - 1, 2), 4, replace=False)
        for p in places[:3]:
            x[i, p] = 1                                # "not"
            x[i, p + 1] = 2 if label == 1 else 3       # "good" / "bad"
        x[i, places[3] + 1] = 3 if label == 1 else 2   # a distractor without "not"
    return x.astype("int32"), labels.astype("float32")


x_train, y_train = make_sequences(1500)
x_val, y_val = make_sequences(300)
print(len(x_train), "Training sequences")

inputs = keras.Input(shape=(maxlen,), dtype="int32")
model = keras.Sequential([
    inputs,
    layers.Embedding(max_features, 16),
    layers.Bidirectional(layers.LSTM(8, return_sequences=True)),
    layers.Bidirectional(layers.LSTM(8)),
    layers.Dense(1, activation="sigmoid"),
])
model.summary()

model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
history = model.fit(x_train, y_train, batch_size=32, epochs=6, validation_data=(x_val, y_val))

RESULT = {
    "output_shapes": [list(layer.output.shape) for layer in model.layers],
    "val_loss": history.history["val_loss"][-1],
    "val_accuracy": history.history["val_accuracy"][-1],
}
