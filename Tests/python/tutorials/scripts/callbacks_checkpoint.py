"""Callbacks and files, as the "Save and load models" and "Writing your own callbacks" guides use them:
EarlyStopping(restore_best_weights=True), ModelCheckpoint(save_best_only=True), then model.save and
keras.models.load_model, and a save_weights / load_weights round trip into a fresh model.

Data: a two-moons style binary problem with label noise, so validation loss turns up and training stops."""
import numpy as np
import keras
from keras import layers

SEED = 1337
keras.utils.set_random_seed(SEED)

rng = np.random.default_rng(0)


def make_moons(n):
    labels = rng.integers(0, 2, n)
    angle = rng.uniform(0, np.pi, n)
    x = np.where(labels == 0, np.cos(angle), 1.0 - np.cos(angle))
    y = np.where(labels == 0, np.sin(angle), 0.5 - np.sin(angle))
    points = np.stack([x, y], axis=1) + rng.normal(0.0, 0.2, (n, 2))
    flip = rng.random(n) < 0.05
    return points.astype("float32"), np.where(flip, 1 - labels, labels).astype("float32")


x_train, y_train = make_moons(300)
x_val, y_val = make_moons(300)
x_test, y_test = make_moons(300)


def create_model():
    model = keras.Sequential([
        keras.Input(shape=(2,)),
        layers.Dense(64, activation="relu"),
        layers.Dense(64, activation="relu"),
        layers.Dense(1, activation="sigmoid"),
    ])
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="binary_crossentropy", metrics=["accuracy"])
    return model


model = create_model()
callbacks = [
    keras.callbacks.EarlyStopping(monitor="val_loss", patience=4, restore_best_weights=True),
    keras.callbacks.ModelCheckpoint("best_model.h5", monitor="val_loss", save_best_only=True),
]
history = model.fit(x_train, y_train, epochs=60, batch_size=16, validation_data=(x_val, y_val),
                    callbacks=callbacks, verbose=0)
best_val_loss = min(history.history["val_loss"])
restored_val_loss = model.evaluate(x_val, y_val, verbose=0)[0]

best_model = keras.models.load_model("best_model.h5")
checkpoint_val_loss = best_model.evaluate(x_val, y_val, verbose=0)[0]

model.save("my_model.h5")
new_model = keras.models.load_model("my_model.h5")
reload_difference = float(np.abs(new_model.predict(x_test, verbose=0) - model.predict(x_test, verbose=0)).max())

model.save_weights("my.weights.h5")
fresh = create_model()
fresh.load_weights("my.weights.h5")
weights_difference = float(max(np.abs(a - b).max() for a, b in zip(fresh.get_weights(), model.get_weights())))

test_loss, test_accuracy = new_model.evaluate(x_test, y_test, verbose=0)

RESULT = {
    "stopped_early": len(history.history["loss"]) < 60,
    "restored_is_best": bool(abs(restored_val_loss - best_val_loss) < 1e-4),
    "checkpoint_is_best": bool(abs(checkpoint_val_loss - best_val_loss) < 1e-4),
    "reload_difference": reload_difference,
    "weights_difference": weights_difference,
    "best_val_loss": best_val_loss,
    "test_loss": test_loss,
    "test_accuracy": test_accuracy,
}
