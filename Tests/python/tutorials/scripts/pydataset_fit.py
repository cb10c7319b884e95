"""Training from a keras.utils.PyDataset, as the "Training & evaluation with the built-in methods" guide
writes it: a subclass with __len__ and __getitem__ giving batches, passed to fit, evaluate and predict.

needs: datasets

Data: 20-feature samples of four classes around fixed centres."""
import math

import numpy as np
import keras
from keras import layers

SEED = 1337
keras.utils.set_random_seed(SEED)

rng = np.random.default_rng(0)
centres = rng.normal(0.0, 1.0, (4, 20))


def make_samples(n):
    labels = rng.integers(0, 4, n)
    return (centres[labels] + rng.normal(0.0, 1.0, (n, 20))).astype("float32"), labels


class ExampleDataset(keras.utils.PyDataset):
    def __init__(self, x, y, batch_size, **kwargs):
        super().__init__(**kwargs)
        self.x, self.y = x, y
        self.batch_size = batch_size

    def __len__(self):
        return math.ceil(len(self.x) / self.batch_size)

    def __getitem__(self, idx):
        low = idx * self.batch_size
        high = min(low + self.batch_size, len(self.x))
        return self.x[low:high], self.y[low:high]


x_train, y_train = make_samples(1200)
x_val, y_val = make_samples(300)
train_dataset = ExampleDataset(x_train, y_train, batch_size=32)
val_dataset = ExampleDataset(x_val, y_val, batch_size=64)

model = keras.Sequential([keras.Input(shape=(20,)), layers.Dense(32, activation="relu"),
                          layers.Dense(4, activation="softmax")])
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
history = model.fit(train_dataset, epochs=5, validation_data=val_dataset, verbose=0)
results = model.evaluate(val_dataset, verbose=0, return_dict=True)
predictions = model.predict(val_dataset, verbose=0)

RESULT = {
    "history_keys": sorted(history.history),
    "predictions_shape": list(predictions.shape),
    "val_loss": results["loss"],
    "val_accuracy": results["accuracy"],
}
