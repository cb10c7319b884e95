"""Every snippet of Keras's "Getting started with the Sequential model" guide, with only its imports
changed (``keras`` -> ``seqnn.keras``). Each test body is the guide's code as written."""
from __future__ import annotations

import numpy as np
import pytest


def test_list_constructor():
    from seqnn.keras.models import Sequential
    from seqnn.keras.layers import Dense, Activation

    model = Sequential([
        Dense(32, input_shape=(784,)),
        Activation('relu'),
        Dense(10),
        Activation('softmax'),
    ])

    assert [l.name for l in model.layers] == ["dense", "activation", "dense_1", "activation_1"]
    assert model.output_shape == (None, 10)
    assert model.count_params() == 784 * 32 + 32 + 32 * 10 + 10


def test_add_constructor():
    from seqnn.keras.models import Sequential
    from seqnn.keras.layers import Dense, Activation

    model = Sequential()
    model.add(Dense(32, input_dim=784))
    model.add(Activation('relu'))

    assert model.input_shape == (None, 784)
    assert model.output_shape == (None, 32)


def test_input_shape_forms_are_equivalent():
    from seqnn.keras.models import Sequential
    from seqnn.keras.layers import Dense

    model = Sequential()
    model.add(Dense(32, input_shape=(784,)))
    a = model

    model = Sequential()
    model.add(Dense(32, input_dim=784))
    b = model

    assert a.input_shape == b.input_shape == (None, 784)
    assert [w.shape for w in a.get_weights()] == [w.shape for w in b.get_weights()] == [(784, 32), (32,)]


def test_input_length_form():
    from seqnn.keras.models import Sequential
    from seqnn.keras.layers import Dense

    model = Sequential()
    model.add(Dense(32, input_length=784))
    assert model.input_shape == (None, 784)
    assert model.layers[0].get_weights()[0].shape == (784, 32)


def test_batch_size_and_input_shape_give_fixed_batch_shape():
    # "If you pass both batch_size=32 and input_shape=(6, 8) to a layer, it will then expect every batch
    #  of inputs to have the batch shape (32, 6, 8)."
    from seqnn.keras.models import Sequential
    from seqnn.keras.layers import Dense

    model = Sequential()
    model.add(Dense(32, batch_size=32, input_shape=(6, 8)))
    assert model.input_shape == (32, 6, 8)
    assert model.output_shape == (32, 6, 32)

    # the same said to the model, as the issue writes it: model.add(batch_size=32), model.add(input_shape=(6, 8))
    model = Sequential()
    model.add(batch_size=32)
    model.add(input_shape=(6, 8))
    model.add(Dense(32))
    assert model.input_shape == (32, 6, 8)
    assert model.output_shape == (32, 6, 32)
    assert model.predict(np.zeros((32, 6, 8), dtype=np.float32), verbose=0).shape == (32, 6, 32)

    # a batch size given first is taken by the first layer's input_shape
    model = Sequential()
    model.add(batch_size=32)
    model.add(Dense(32, input_shape=(6, 8)))
    assert model.input_shape == (32, 6, 8)


def _compile_multiclass(model):
    # For a multi-class classification problem
    model.compile(optimizer='rmsprop',
                  loss='categorical_crossentropy',
                  metrics=['accuracy'])


def _compile_binary(model):
    # For a binary classification problem
    model.compile(optimizer='rmsprop',
                  loss='binary_crossentropy',
                  metrics=['accuracy'])


def _compile_mse(model):
    # For a mean squared error regression problem
    model.compile(optimizer='rmsprop',
                  loss='mse')


def _compile_custom(model):
    # For custom metrics
    import seqnn.keras.backend as K

    def mean_pred(y_true, y_pred):
        return K.mean(y_pred)

    model.compile(optimizer='rmsprop',
                  loss='binary_crossentropy',
                  metrics=['accuracy', mean_pred])


@pytest.mark.parametrize("variant,names", [
    (_compile_multiclass, ["loss", "accuracy"]),
    (_compile_binary, ["loss", "accuracy"]),
    (_compile_mse, ["loss"]),
    (_compile_custom, ["loss", "accuracy", "mean_pred"]),
])
def test_compile_variants(variant, names):
    from seqnn.keras.models import Sequential
    from seqnn.keras.layers import Dense

    model = Sequential()
    model.add(Dense(32, activation='relu', input_dim=100))
    model.add(Dense(1, activation='sigmoid'))
    variant(model)
    assert model.metrics_names == names

    data = np.random.random((64, 100))
    labels = np.random.randint(2, size=(64, 1))
    history = model.fit(data, labels, epochs=2, batch_size=32, verbose=0)
    assert list(history.history) == names
    assert all(len(v) == 2 for v in history.history.values())


def test_binary_classification(capsys):
    from seqnn.keras.models import Sequential
    from seqnn.keras.layers import Dense

    # For a single-input model with 2 classes (binary classification):

    model = Sequential()
    model.add(Dense(32, activation='relu', input_dim=100))
    model.add(Dense(1, activation='sigmoid'))
    model.compile(optimizer='rmsprop',
                  loss='binary_crossentropy',
                  metrics=['accuracy'])

    # Generate dummy data
    import numpy as np
    data = np.random.random((1000, 100))
    labels = np.random.randint(2, size=(1000, 1))

    # Train the model, iterating on the data in batches of 32 samples
    history = model.fit(data, labels, epochs=10, batch_size=32)

    out = capsys.readouterr().out
    assert "Epoch 1/10" in out and "Epoch 10/10" in out
    assert "32/32 [==============================]" in out and " - loss: " in out and " - accuracy: " in out
    assert list(history.history) == ["loss", "accuracy"]
    assert len(history.history["loss"]) == 10 and history.epoch == list(range(10))
    assert history.history["loss"][-1] < history.history["loss"][0]


def test_categorical_classification(capsys):
    import seqnn.keras as keras
    from seqnn.keras.models import Sequential
    from seqnn.keras.layers import Dense

    # For a single-input model with 10 classes (categorical classification):

    model = Sequential()
    model.add(Dense(32, activation='relu', input_dim=100))
    model.add(Dense(10, activation='softmax'))
    model.compile(optimizer='rmsprop',
                  loss='categorical_crossentropy',
                  metrics=['accuracy'])

    # Generate dummy data
    import numpy as np
    data = np.random.random((1000, 100))
    labels = np.random.randint(10, size=(1000, 1))

    # Convert labels to categorical one-hot encoding
    one_hot_labels = keras.utils.to_categorical(labels, num_classes=10)

    # Train the model, iterating on the data in batches of 32 samples
    history = model.fit(data, one_hot_labels, epochs=10, batch_size=32)

    assert one_hot_labels.shape == (1000, 10)
    assert "Epoch 10/10" in capsys.readouterr().out
    assert list(history.history) == ["loss", "accuracy"]
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert model.predict(data[:5], verbose=0).shape == (5, 10)


def test_keras3_guide_forms():
    # Keras 3's "The Sequential model" guide: keras.Sequential, keras.Input, names, pop, delayed build.
    import seqnn.keras as keras
    from seqnn.keras import layers
    from seqnn.keras import ops

    model = keras.Sequential(
        [
            layers.Dense(2, activation="relu", name="layer1"),
            layers.Dense(3, activation="relu", name="layer2"),
            layers.Dense(4, name="layer3"),
        ]
    )
    # Call model on a test input
    x = ops.ones((3, 3))
    y = model(x)
    assert y.shape == (3, 4)
    assert [l.name for l in model.layers] == ["layer1", "layer2", "layer3"]

    model.pop()
    assert len(model.layers) == 2

    model = keras.Sequential()
    model.add(keras.Input(shape=(4,)))
    model.add(layers.Dense(2, activation="relu"))
    assert len(model.weights) == 2
    lines = []
    model.summary(print_fn=lines.append)
    assert any("(None, 2)" in line for line in lines)

    layer = layers.Dense(3)
    assert layer.weights == []

    model = keras.Sequential()
    model.add(layers.Dense(2, activation="relu"))
    with pytest.raises(ValueError):
        model.weights  # not built yet: "Weights for model 'sequential' have not yet been created"
    model.build((None, 4))
    assert len(model.weights) == 2
