"""The Keras guide's CNN and RNN forms through the Python layer classes (the library's Conv/Pooling and
recurrent layers): they build, train to a stated accuracy on generated data, and survive save/load."""
import numpy as np

from seqnn.keras.layers import (LSTM, Conv2D, Dense, Dropout, Embedding, Flatten, GlobalAveragePooling1D,
                                MaxPooling2D, Bidirectional, BatchNormalization)
from seqnn.keras.models import Sequential, load_model
from seqnn.keras.utils import to_categorical


def bars(n, rs):
    """8x8 images holding a horizontal (class 0) or vertical (class 1) bar."""
    x = rs.rand(n, 8, 8, 1).astype("float32") * 0.2
    y = rs.randint(0, 2, n)
    for i in range(n):
        k = rs.randint(1, 7)
        if y[i] == 0:
            x[i, k, :, 0] += 1
        else:
            x[i, :, k, 0] += 1
    return x, to_categorical(y, 2)


def test_tutorial_cnn_trains_and_round_trips(tmp_path):
    rs = np.random.RandomState(0)
    x, y = bars(256, rs)
    model = Sequential([Conv2D(4, (3, 3), activation="relu", input_shape=(8, 8, 1)), MaxPooling2D((2, 2)),
                        Flatten(), Dense(16, activation="relu"), Dropout(0.2), Dense(2, activation="softmax")], seed=1)
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, epochs=15, batch_size=32, verbose=0)
    assert history.history["accuracy"][-1] > 0.9
    path = tmp_path / "cnn.h5"
    model.save(path)
    back = load_model(path)
    np.testing.assert_allclose(back.predict(x, verbose=0), model.predict(x, verbose=0), atol=1e-6)


def test_lstm_text_classifier_trains():
    rs = np.random.RandomState(1)
    n, t = 512, 12
    x = rs.randint(1, 20, size=(n, t)).astype("float32")
    y = (x[:, :t // 2] >= 10).sum(axis=1) > (x[:, t // 2:] >= 10).sum(axis=1)   # order matters: needs the sequence
    model = Sequential([Embedding(20, 8, input_length=t), Bidirectional(LSTM(8, return_sequences=True)),
                        BatchNormalization(), GlobalAveragePooling1D(), Dense(1, activation="sigmoid")], seed=2)
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y.astype("float32"), epochs=25, batch_size=32, verbose=0)
    assert history.history["accuracy"][-1] > 0.85
    assert model.layers[1].name == "bidirectional"
