"""Learning rates that change during training, as the optimizer and callback guides use them: an
ExponentialDecay schedule given to the optimizer, and ReduceLROnPlateau on a second model.

needs: schedules

Data: a noisy quadratic-ish regression of 8 features."""
import numpy as np
import keras
from keras import layers

SEED = 1337
keras.utils.set_random_seed(SEED)

rng = np.random.default_rng(0)
x = rng.normal(0.0, 1.0, (1200, 8)).astype("float32")
y = (x[:, :1] * 2.0 - x[:, 1:2] ** 2 + 0.5 * x[:, 2:3] * x[:, 3:4] + rng.normal(0.0, 0.1, (1200, 1))).astype("float32")
x_train, y_train, x_test, y_test = x[:1000], y[:1000], x[1000:], y[1000:]


def make_model():
    return keras.Sequential([keras.Input(shape=(8,)), layers.Dense(32, activation="relu"),
                             layers.Dense(32, activation="relu"), layers.Dense(1)])


lr_schedule = keras.optimizers.schedules.ExponentialDecay(initial_learning_rate=0.05, decay_steps=32,
                                                          decay_rate=0.9)
model = make_model()
model.compile(optimizer=keras.optimizers.SGD(learning_rate=lr_schedule), loss="mse", metrics=["mae"])
model.fit(x_train, y_train, epochs=10, batch_size=32, verbose=0)
scheduled_loss, scheduled_mae = model.evaluate(x_test, y_test, verbose=0)
steps = 10 * int(np.ceil(1000 / 32))
lr_after = float(lr_schedule(steps))

reduce_lr = keras.callbacks.ReduceLROnPlateau(monitor="val_loss", factor=0.2, patience=2, min_lr=1e-4)
plateau_model = make_model()
plateau_model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01), loss="mse", metrics=["mae"])
history = plateau_model.fit(x_train, y_train, epochs=15, batch_size=32, validation_split=0.2, verbose=0,
                            callbacks=[reduce_lr])
plateau_loss, plateau_mae = plateau_model.evaluate(x_test, y_test, verbose=0)

RESULT = {
    "schedule_lr_after_training": lr_after,
    "history_has_learning_rate": "learning_rate" in history.history,
    "scheduled_loss": scheduled_loss,
    "scheduled_mae": scheduled_mae,
    "plateau_loss": plateau_loss,
    "plateau_mae": plateau_mae,
}
