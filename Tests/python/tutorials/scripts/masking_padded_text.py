"""The shape of keras.io's "Understanding masking & padding": variable-length token lists padded with
keras.utils.pad_sequences(padding="post"), Embedding(mask_zero=True) so the LSTM skips the padding, and the
mask the embedding computes.

needs: masking

Data: token lists of 4 to 30 tokens; the label is whether the last real token is a "question" token,
which only a model that skips the trailing padding can see at the end of its pass."""
import numpy as np
import keras
from keras import layers

SEED = 1337
keras.utils.set_random_seed(SEED)

vocab = 50
rng = np.random.default_rng(0)


def make_texts(n):
    texts, labels = [], []
    for _ in range(n):
        length = int(rng.integers(4, 31))
        tokens = list(rng.integers(3, vocab, length))
        label = int(rng.integers(0, 2))
        tokens[-1] = 1 if label else 2
        texts.append(tokens)
        labels.append(label)
    return texts, np.array(labels, dtype="float32")


raw_train, y_train = make_texts(1500)
raw_test, y_test = make_texts(300)
x_train = keras.utils.pad_sequences(raw_train, maxlen=30, padding="post")
x_test = keras.utils.pad_sequences(raw_test, maxlen=30, padding="post")
print(x_train[:2])

embedding = layers.Embedding(input_dim=vocab, output_dim=16, mask_zero=True)
mask = embedding.compute_mask(x_train[:3])

model = keras.Sequential([
    keras.Input(shape=(30,)),
    embedding,
    layers.LSTM(16),
    layers.Dense(1, activation="sigmoid"),
])
model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
model.fit(x_train, y_train, epochs=6, batch_size=32, verbose=0)
test_loss, test_accuracy = model.evaluate(x_test, y_test, verbose=0)

RESULT = {
    "padded_shape": list(x_train.shape),
    "mask_row": [bool(v) for v in np.asarray(mask)[0]],
    "test_loss": test_loss,
    "test_accuracy": test_accuracy,
}
