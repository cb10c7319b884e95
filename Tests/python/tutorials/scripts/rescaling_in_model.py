"""The shape of keras.io's "Image classification from scratch" (small): layers.Rescaling(1.0 / 255) inside
the model so it takes raw 0..255 pixels, Conv2D with padding="same", GlobalAveragePooling2D, Dropout, one
logit with BinaryCrossentropy(from_logits=True).

Data: 16x16 RGB "photos" in 0..255: class 1 has a bright blob in the red channel, class 0 in the blue one."""
import numpy as np
import keras
from keras import layers

SEED = 1337
keras.utils.set_random_seed(SEED)

image_size = (16, 16)
rng = np.random.default_rng(0)


def make_photos(n):
    labels = rng.integers(0, 2, n)
    images = rng.uniform(0, 120, (n,) + image_size + (3,))
    for i, label in enumerate(labels):
        r, c = rng.integers(3, 13, 2)
        images[i, r - 2: r + 3, c - 2: c + 3, 0 if label == 1 else 2] += 130
    return np.clip(images, 0, 255).round().astype("float32"), labels.astype("float32")


x_train, y_train = make_photos(800)
x_test, y_test = make_photos(200)

model = keras.Sequential([
    keras.Input(shape=image_size + (3,)),
    layers.Rescaling(1.0 / 255),
    layers.Conv2D(8, 3, padding="same", activation="relu"),
    layers.MaxPooling2D(),
    layers.Conv2D(16, 3, padding="same", activation="relu"),
    layers.GlobalAveragePooling2D(),
    layers.Dropout(0.25),
    layers.Dense(1),
])
model.compile(optimizer=keras.optimizers.Adam(3e-3), loss=keras.losses.BinaryCrossentropy(from_logits=True),
              metrics=[keras.metrics.BinaryAccuracy(name="acc", threshold=0.0)])
model.fit(x_train, y_train, epochs=10, batch_size=32, verbose=0)

results = model.evaluate(x_test, y_test, verbose=0, return_dict=True)
score = float(keras.ops.sigmoid(model.predict(x_test[:1], verbose=0)[0][0]))

RESULT = {
    "rescaled_range_ok": bool(0 <= score <= 1),
    "test_loss": results["loss"],
    "test_accuracy": results["acc"],
}
