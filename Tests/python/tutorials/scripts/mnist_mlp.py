"""The shape of TensorFlow's "beginner quickstart" and keras.io's MNIST MLP: Flatten, Dense + Dropout, logits,
a loss object called by hand on the untrained model, then fit / evaluate / a softmax-wrapped model.

Data: 8x8 "digits", noisy copies of ten fixed random prototypes (instead of downloading MNIST)."""
import numpy as np
import keras
from keras import layers

SEED = 1337
keras.utils.set_random_seed(SEED)

rng = np.random.default_rng(0)
prototypes = rng.random((10, 8, 8))


def make_digits(n):
    labels = rng.integers(0, 10, n)
    images = prototypes[labels] + rng.normal(0.0, 0.7, (n, 8, 8))
    return images.astype("float32"), labels


x_train, y_train = make_digits(2000)
x_test, y_test = make_digits(500)

model = keras.Sequential([
    keras.Input(shape=(8, 8)),
    layers.Flatten(),
    layers.Dense(64, activation="relu"),
    layers.Dropout(0.2),
    layers.Dense(10),
])

predictions = model(x_train[:1]).numpy()
probabilities = keras.ops.softmax(predictions).numpy()
loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
initial_loss = float(loss_fn(y_train[:1], predictions))

model.compile(optimizer="adam", loss=loss_fn, metrics=["accuracy"])
history = model.fit(x_train, y_train, epochs=8, batch_size=32)
test_loss, test_accuracy = model.evaluate(x_test, y_test, verbose=2)

probs = keras.ops.softmax(model.predict(x_test[:5])).numpy()

RESULT = {
    "predictions_shape": list(predictions.shape),
    "probabilities_sum": round(float(probabilities.sum()), 5),
    "initial_loss_is_finite": bool(np.isfinite(initial_loss)),
    "history_keys": sorted(history.history),
    "epochs_run": len(history.history["loss"]),
    "probs_rows_sum_to_one": bool(np.allclose(probs.sum(axis=-1), 1.0, atol=1e-5)),
    "test_loss": test_loss,
    "test_accuracy": test_accuracy,
}
