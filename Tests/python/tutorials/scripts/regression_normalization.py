"""The shape of TensorFlow's "Basic regression: Predict fuel efficiency" (Auto MPG): a Normalization layer
adapted to the training features first, a one-feature linear model (Normalization(axis=None)) and a DNN
regression model, mean absolute error, validation_split, evaluate per model.

Data: a synthetic table with the Auto MPG columns (features of very different scales) and an MPG that
depends on them non-linearly."""
import numpy as np
import keras
from keras import layers

SEED = 1337
keras.utils.set_random_seed(SEED)

rng = np.random.default_rng(0)
n = 400
cylinders = rng.choice([4.0, 6.0, 8.0], n)
displacement = cylinders * 45.0 + rng.normal(0.0, 20.0, n)
horsepower = displacement * 0.45 + 20.0 + rng.normal(0.0, 8.0, n)
weight = 1500.0 + displacement * 6.0 + rng.normal(0.0, 150.0, n)
acceleration = 20.0 - horsepower * 0.04 + rng.normal(0.0, 1.0, n)
model_year = rng.integers(70, 83, n).astype(float)
origin = rng.integers(0, 3, n)
features = np.stack([cylinders, displacement, horsepower, weight, acceleration, model_year,
                     origin == 0, origin == 1, origin == 2], axis=1).astype("float32")
mpg = (9000.0 / weight * 4.0 - 0.02 * horsepower + 0.7 * (model_year - 70) + 2.0 * (origin == 2)
       + rng.normal(0.0, 1.0, n)).astype("float32")

order = rng.permutation(n)
train_idx, test_idx = order[: int(0.8 * n)], order[int(0.8 * n):]
train_features, test_features = features[train_idx], features[test_idx]
train_labels, test_labels = mpg[train_idx], mpg[test_idx]

normalizer = layers.Normalization(axis=-1)
normalizer.adapt(np.array(train_features))
print(normalizer.mean.numpy())

# Linear regression with one variable
horsepower_train = np.array(train_features[:, 2])
horsepower_normalizer = layers.Normalization(input_shape=[1,], axis=None)
horsepower_normalizer.adapt(horsepower_train)
horsepower_model = keras.Sequential([horsepower_normalizer, layers.Dense(units=1)])
horsepower_model.summary()
horsepower_model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.1), loss="mean_absolute_error")
horsepower_model.fit(horsepower_train, train_labels, epochs=40, verbose=0, validation_split=0.2)

test_results = {}
test_results["horsepower_model"] = horsepower_model.evaluate(test_features[:, 2], test_labels, verbose=0)


# Regression with a deep neural network (DNN)
def build_and_compile_model(norm):
    model = keras.Sequential([
        norm,
        layers.Dense(64, activation="relu"),
        layers.Dense(64, activation="relu"),
        layers.Dense(1),
    ])
    model.compile(loss="mean_absolute_error", optimizer=keras.optimizers.Adam(0.001))
    return model


dnn_model = build_and_compile_model(normalizer)
history = dnn_model.fit(train_features, train_labels, validation_split=0.2, verbose=0, epochs=60)
test_results["dnn_model"] = dnn_model.evaluate(test_features, test_labels, verbose=0)
test_predictions = dnn_model.predict(test_features).flatten()

RESULT = {
    "normalizer_mean_shape": list(normalizer.mean.numpy().shape),
    "normalizer_mean": [round(float(v), 2) for v in normalizer.mean.numpy().ravel()],
    "history_keys": sorted(history.history),
    "horsepower_model_loss": test_results["horsepower_model"],
    "dnn_model_loss": test_results["dnn_model"],
    "dnn_val_loss": history.history["val_loss"][-1],
    "predictions_shape": list(test_predictions.shape),
}
