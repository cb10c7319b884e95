"""The lines tutorials use to look at a Sequential model: summary with its options, get_layer by name and
index, layer.input / layer.output and model.inputs / model.outputs shapes, weights of a layer, model(x) on
numpy with .numpy(), count_params, keras.ops on the results, evaluate(return_dict=True), history keys.

Data: the sign of x0 * x1 for 4 normal features (an XOR-like binary problem), labels one-hot."""
import numpy as np
import keras
from keras import layers, ops

SEED = 1337
keras.utils.set_random_seed(SEED)

rng = np.random.default_rng(0)
x = rng.normal(0.0, 1.0, (600, 4)).astype("float32")
y = keras.utils.to_categorical((x[:, 0] * x[:, 1] > 0).astype("int64"), num_classes=2)

model = keras.Sequential(name="my_sequential")
model.add(keras.Input(shape=(4,)))
model.add(layers.Dense(32, activation="relu", name="hidden"))
model.add(layers.Dropout(0.1, name="drop"))
model.add(layers.Dense(2, activation="softmax", name="head"))

lines = []
model.summary(print_fn=lambda line, **kwargs: lines.append(line))
wide = []
model.summary(line_length=100, print_fn=lambda line, **kwargs: wide.append(line), expand_nested=True,
              show_trainable=True)

hidden = model.get_layer("hidden")
head = model.get_layer(index=2)
kernel, bias = hidden.get_weights()

outputs = model(x[:3])
first_probs = outputs.numpy()
labels_from_ops = ops.convert_to_numpy(ops.argmax(outputs, axis=-1))

model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01), loss="categorical_crossentropy", metrics=["accuracy"])
history = model.fit(x[:500], y[:500], epochs=60, batch_size=32, validation_split=0.2, verbose=0)
results = model.evaluate(x[500:], y[500:], verbose=0, return_dict=True)
predicted = model.predict(x[500:], verbose=0).argmax(-1)

RESULT = {
    "summary_names_line": any("hidden" in line and "Dense" in line for line in lines),
    "summary_mentions_model": any("my_sequential" in line for line in lines),
    "summary_total_params": any("Total params: 226" in line for line in lines),
    "wide_summary_has_trainable_column": any("Trainable" in line for line in wide[:6]),
    "layer_names": [layer.name for layer in model.layers],
    "head_name": head.name,
    "hidden_kernel_shape": list(kernel.shape),
    "hidden_bias_shape": list(bias.shape),
    "hidden_input_shape": list(hidden.input.shape),
    "hidden_output_shape": list(hidden.output.shape),
    "head_output_shape": list(head.output.shape),
    "model_input_shape": list(model.inputs[0].shape),
    "model_output_shape": list(model.outputs[0].shape),
    "params": model.count_params(),
    "hidden_params": hidden.count_params(),
    "call_shape": list(first_probs.shape),
    "call_rows_sum_to_one": bool(np.allclose(first_probs.sum(axis=-1), 1.0, atol=1e-5)),
    "ops_argmax_shape": list(labels_from_ops.shape),
    "history_keys": sorted(history.history),
    "evaluate_keys": sorted(results),
    "test_loss": results["loss"],
    "test_accuracy": results["accuracy"],
    "argmax_accuracy": float(np.mean(predicted == y[500:].argmax(-1))),
}
