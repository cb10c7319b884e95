"""A Keras-style script run against the installed wheel (Tests/package/run.sh runs it in a fresh venv,
outside the checkout, with the Swift toolchain and the system's libhdf5 hidden).

It checks that the library came from the wheel itself, trains the Keras tutorial's MLP form on a task it
can learn, saves and loads it, and that the loaded model predicts what the trained one does.
"""
import os
import sys
import tempfile

import numpy as np
import seqnn
import seqnn.keras as keras
from seqnn.keras.layers import Activation, Dense
from seqnn.keras.models import Sequential

lib = seqnn.library_path()
print(f"seqnn {seqnn.__version__}, library {seqnn.library_version()} from {lib}")
assert os.path.realpath(lib).startswith(os.path.realpath(sys.prefix)), f"library not from the venv: {lib}"
assert seqnn.library_version() == seqnn.__version__

keras.utils.set_random_seed(1)             # Keras's way to make a run repeatable
rng = np.random.default_rng(0)
data = rng.random((2000, 8)).astype("float32")
labels = np.argmax(data[:, :4], axis=1)            # the class is the largest of the first four features
one_hot = keras.utils.to_categorical(labels, num_classes=4)

model = Sequential([Dense(32, input_shape=(8,)), Activation("relu"), Dense(4), Activation("softmax")])
model.compile(optimizer="rmsprop", loss="categorical_crossentropy", metrics=["accuracy"])
history = model.fit(data, one_hot, epochs=30, batch_size=32, validation_split=0.2, verbose=0)
accuracy = history.history["val_accuracy"][-1]
print(f"validation accuracy after 30 epochs: {accuracy:.3f}")
assert accuracy >= 0.85, accuracy

for name in ("tutorial.h5", "tutorial.keras"):   # the legacy file and Keras 3's archive (libzip in the wheel)
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, name)
        model.save(path)
        restored = keras.models.load_model(path)
        diff = float(np.abs(restored.predict(data, verbose=0) - model.predict(data, verbose=0)).max())
    print(f"{name} saved and loaded: largest prediction difference {diff}")
    assert diff == 0.0, diff
print("keras_script: OK")
