"""The shape of TensorFlow's "Classification on imbalanced data": an output bias initialised to
log(pos / neg) with keras.initializers.Constant, class weights (total / 2) / count per class, Dropout,
BinaryAccuracy(name="accuracy"), and recall on the rare class computed from predictions.

Data: 30 features, about 4% positives that differ from negatives in a few features."""
import numpy as np
import keras
from keras import layers

SEED = 1337
keras.utils.set_random_seed(SEED)

rng = np.random.default_rng(0)
n_features = 30


def make_transactions(n):
    labels = (rng.random(n) < 0.04).astype("float32")
    x = rng.normal(0.0, 1.0, (n, n_features))
    x[labels == 1, :4] += 2.0
    return x.astype("float32"), labels


train_features, train_labels = make_transactions(4000)
test_features, test_labels = make_transactions(2000)

neg, pos = np.bincount(train_labels.astype("int64"))
total = neg + pos
print(f"Examples:\n    Total: {total}\n    Positive: {pos} ({100 * pos / total:.2f}% of total)\n")
initial_bias = np.log([pos / neg])


def make_model(output_bias=None):
    if output_bias is not None:
        output_bias = keras.initializers.Constant(output_bias)
    model = keras.Sequential([
        keras.Input(shape=(n_features,)),
        layers.Dense(16, activation="relu"),
        layers.Dropout(0.5),
        layers.Dense(1, activation="sigmoid", bias_initializer=output_bias),
    ])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-3), loss=keras.losses.BinaryCrossentropy(),
                  metrics=[keras.metrics.BinaryAccuracy(name="accuracy")])
    return model


model = make_model(output_bias=initial_bias)
initial_output_bias = float(model.layers[-1].get_weights()[1][0])
weight_for_0 = (1 / neg) * (total / 2.0)
weight_for_1 = (1 / pos) * (total / 2.0)
class_weight = {0: weight_for_0, 1: weight_for_1}

weighted_history = model.fit(train_features, train_labels, batch_size=256, epochs=30, verbose=0,
                             class_weight=class_weight)
results = model.evaluate(test_features, test_labels, batch_size=256, verbose=0, return_dict=True)
predicted = model.predict(test_features, batch_size=256, verbose=0).ravel() > 0.5
recall = float(np.mean(predicted[test_labels == 1]))

RESULT = {
    "initial_output_bias": initial_output_bias,
    "history_keys": sorted(weighted_history.history),
    "test_loss": results["loss"],
    "test_accuracy": results["accuracy"],
    "test_recall": recall,
}
