"""The shape of TensorFlow's "Time series forecasting" single-step LSTM: windows of past values, an LSTM
without return_sequences, one Dense output, MeanSquaredError with MeanAbsoluteError as metric, and an
EarlyStopping callback on val_loss.

Data: a daily-and-yearly-looking periodic series with noise, split 70/20/10 in time order."""
import numpy as np
import keras
from keras import layers

SEED = 1337
keras.utils.set_random_seed(SEED)

rng = np.random.default_rng(0)
t = np.arange(3000, dtype="float64")
series = np.sin(2 * np.pi * t / 24) + 0.5 * np.sin(2 * np.pi * t / 200) + rng.normal(0.0, 0.1, t.size)
series = series.astype("float32")

n = len(series)
train_series, val_series, test_series = series[: int(n * 0.7)], series[int(n * 0.7): int(n * 0.9)], \
    series[int(n * 0.9):]
mean, std = train_series.mean(), train_series.std()
train_series, val_series, test_series = [(s - mean) / std for s in (train_series, val_series, test_series)]

input_width = 24


def make_windows(s):
    x = np.stack([s[i: i + input_width] for i in range(len(s) - input_width)])[..., None]
    y = s[input_width:][:, None]
    return x, y


x_train, y_train = make_windows(train_series)
x_val, y_val = make_windows(val_series)
x_test, y_test = make_windows(test_series)

lstm_model = keras.models.Sequential([
    layers.LSTM(16, return_sequences=False),
    layers.Dense(units=1),
])

early_stopping = keras.callbacks.EarlyStopping(monitor="val_loss", patience=2, mode="min")
lstm_model.compile(loss=keras.losses.MeanSquaredError(), optimizer=keras.optimizers.Adam(),
                   metrics=[keras.metrics.MeanAbsoluteError()])
history = lstm_model.fit(x_train, y_train, epochs=6, batch_size=32, validation_data=(x_val, y_val),
                         callbacks=[early_stopping], verbose=0)

val_performance = lstm_model.evaluate(x_val, y_val, verbose=0, return_dict=True)
performance = lstm_model.evaluate(x_test, y_test, verbose=0, return_dict=True)

RESULT = {
    "input_shape": list(lstm_model.input_shape),
    "history_keys": sorted(history.history),
    "val_mse": val_performance["loss"],
    "val_mae": val_performance["mean_absolute_error"],
    "test_mse": performance["loss"],
    "test_mae": performance["mean_absolute_error"],
}
