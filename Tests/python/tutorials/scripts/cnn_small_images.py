"""The shape of keras.io's "Simple MNIST convnet": Conv2D / MaxPooling2D twice, Flatten, Dropout, softmax;
labels made one-hot with keras.utils.to_categorical; validation_split; model.summary().

Data: 16x16 one-channel images of four stroke kinds (horizontal, vertical, diagonal, anti-diagonal) at
random places, with noise."""
import numpy as np
import keras
from keras import layers

SEED = 1337
keras.utils.set_random_seed(SEED)

num_classes = 4
input_shape = (16, 16, 1)
rng = np.random.default_rng(0)


def make_images(n):
    labels = rng.integers(0, num_classes, n)
    images = rng.normal(0.0, 0.2, (n, 16, 16)).astype("float32")
    for i, label in enumerate(labels):
        r, c = rng.integers(2, 14, 2)
        for k in range(-2, 3):
            if label == 0:
                images[i, r, c + k] += 1.0
            elif label == 1:
                images[i, r + k, c] += 1.0
            elif label == 2:
                images[i, r + k, c + k] += 1.0
            else:
                images[i, r + k, c - k] += 1.0
    return np.expand_dims(images, -1), labels


x_train, y_train = make_images(1200)
x_test, y_test = make_images(300)
print("x_train shape:", x_train.shape)

y_train = keras.utils.to_categorical(y_train, num_classes)
y_test = keras.utils.to_categorical(y_test, num_classes)

model = keras.Sequential(
    [
        keras.Input(shape=input_shape),
        layers.Conv2D(16, kernel_size=(3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Conv2D(32, kernel_size=(3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Flatten(),
        layers.Dropout(0.5),
        layers.Dense(num_classes, activation="softmax"),
    ]
)
model.summary()

batch_size = 64
epochs = 12
model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
history = model.fit(x_train, y_train, batch_size=batch_size, epochs=epochs, validation_split=0.1)

score = model.evaluate(x_test, y_test, verbose=0)
print("Test loss:", score[0])
print("Test accuracy:", score[1])

RESULT = {
    "output_shapes": [list(layer.output.shape) for layer in model.layers],
    "params": model.count_params(),
    "history_keys": sorted(history.history),
    "test_loss": score[0],
    "test_accuracy": score[1],
}
