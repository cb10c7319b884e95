#!/usr/bin/env python3
"""Writes the `.h5` fixtures of the seqinspect tests with real Keras.

    /work/kerasvenv/bin/python tools/seqinspect/make_fixtures.py [--keras 2|3|both] [--out DIR]

Output (default `Tests/SeqInspectTests/Fixtures/`):

* `keras2/<case>.h5` (tf_keras 2.21, `import tf_keras`) and `keras3/<case>.h5` (keras 3.15, TensorFlow
  backend), each with a sidecar `<case>.json` holding what Keras itself says about the model:
  `total_params`, `trainable_params`, `non_trainable_params` (the numbers `model.summary()` prints) and per
  layer its `name`, `class_name`, `output_shape` (null for the batch axis) and `params`.
* `bad/`: files that must be refused with exit status 2 (empty, text, truncated, invalid JSON config, no
  model_config) or that open but are broken (NaN weights, a transposed kernel, a missing dataset, a test
  batch that does not match: exit 1), each
  with a sidecar `{"expect_exit": {"default": N, "weights": N, "verify": N}, "why": ...}` giving the exit
  status of `seqinspect FILE`, `seqinspect FILE --weights` and `seqinspect FILE --verify`.

The cases cover layers SeqNN cannot run yet (Conv2D, MaxPooling2D, Embedding, LSTM, GRU, SimpleRNN,
Conv1D, GlobalAveragePooling1D, BatchNormalization, and a zoo of shape-changing layers), so seqinspect's
parameter counts and output shapes for such files are checked against Keras. Every file except `mlp` also
gets a `seqnn_test_batch` group (inputs x and Keras's own predictions y, added with h5py), so `--verify`
compares SeqNN's forward pass with Keras's for every layer SeqNN runs.

Each generation runs in its own subprocess (tf_keras and keras 3 do not share a process well), on the
CPU, with fixed seeds.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
DEFAULT_OUT = os.path.join(ROOT, "Tests", "SeqInspectTests", "Fixtures")
ENV = {
    "KERAS_BACKEND": "tensorflow",
    "TF_CPP_MIN_LOG_LEVEL": "3",
    "TF_ENABLE_ONEDNN_OPTS": "0",
    "CUDA_VISIBLE_DEVICES": "",
    "PYTHONHASHSEED": "0",
    "OMP_NUM_THREADS": "1",
}


def worker(gen, out):
    import numpy as np
    if gen == "2":
        import tf_keras as keras
        from tf_keras import layers
    else:
        import keras
        from keras import layers
    import h5py

    os.makedirs(out, exist_ok=True)
    rs = np.random.RandomState(7)

    def output_shape(layer):
        if gen == "2":
            s = layer.output_shape
        else:
            s = tuple(layer.output.shape)
        return [None if d is None else int(d) for d in s]

    def save(case, model, include_optimizer=True, fit=None, batch=True):
        if fit is not None:
            x, y = fit
            model.fit(x, y, epochs=2, batch_size=8, verbose=0)
        path = os.path.join(out, case + ".h5")
        if os.path.exists(path):
            os.remove(path)
        model.save(path, include_optimizer=include_optimizer)
        if batch:
            # Keras's own predictions for 3 inputs, where seqinspect --verify looks for them.
            shape = (3,) + tuple(int(d) for d in model.input_shape[1:])
            first = model.layers[0]
            if type(first).__name__ == "Embedding":
                xb = rs.randint(0, first.input_dim, shape).astype("float32")
            else:
                xb = rs.uniform(-1, 1, shape).astype("float32")
            yb = model.predict(xb, verbose=0).astype("float32")
            with h5py.File(path, "a") as f:
                g = f.create_group("seqnn_test_batch")
                g.create_dataset("x", data=xb)
                g.create_dataset("y", data=yb)
        trainable = int(sum(np.prod(w.shape) for w in model.trainable_weights))
        non_trainable = int(sum(np.prod(w.shape) for w in model.non_trainable_weights))
        side = {
            "keras_version": keras.__version__,
            "total_params": int(model.count_params()),
            "trainable_params": trainable,
            "non_trainable_params": non_trainable,
            "layers": [{"name": l.name, "class_name": type(l).__name__, "output_shape": output_shape(l),
                        "params": int(l.count_params())} for l in model.layers],
        }
        assert side["total_params"] == trainable + non_trainable
        with open(os.path.join(out, case + ".json"), "w") as f:
            json.dump(side, f, indent=1, sort_keys=True)
            f.write("\n")
        return path

    def fresh():
        keras.backend.clear_session()
        keras.utils.set_random_seed(1)

    # 1. MLP that SeqNN runs: Dense/Dropout/Activation, Adam, categorical cross-entropy.
    fresh()
    m = keras.Sequential([keras.Input(shape=(20,)), layers.Dense(16, activation="relu"), layers.Dropout(0.2),
                          layers.Dense(3), layers.Activation("softmax")])
    m.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01), loss="categorical_crossentropy", metrics=["accuracy"])
    x = rs.uniform(-1, 1, (32, 20)).astype("float32")
    y = np.eye(3, dtype="float32")[rs.randint(0, 3, 32)]
    save("mlp", m, fit=(x, y), batch=False)   # --verify then runs a deterministic input
    # The same model with an embedded test batch of Keras's own predictions (5 samples), for --verify.
    xb = rs.uniform(-1, 1, (5, 20)).astype("float32")
    yb = m.predict(xb, verbose=0).astype("float32")
    p = save("mlp_batch", m, batch=False)
    with h5py.File(p, "a") as f:
        g = f.create_group("seqnn_test_batch")
        g.create_dataset("x", data=xb)
        g.create_dataset("y", data=yb)

    # 2. CNN: Conv2D + MaxPooling2D + Flatten + Dense, RMSprop.
    fresh()
    m = keras.Sequential([keras.Input(shape=(12, 12, 1)), layers.Conv2D(4, 3, activation="relu"),
                          layers.MaxPooling2D(2), layers.Conv2D(6, (3, 3), padding="same", strides=2),
                          layers.Flatten(), layers.Dense(5, activation="softmax")])
    m.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    x = rs.uniform(0, 1, (16, 12, 12, 1)).astype("float32")
    y = rs.randint(0, 5, 16)
    save("cnn", m, fit=(x, y))

    # 3. Embedding + LSTM, SGD with momentum, binary cross-entropy.
    fresh()
    m = keras.Sequential([keras.Input(shape=(7,)), layers.Embedding(50, 8), layers.LSTM(6),
                          layers.Dense(1, activation="sigmoid")])
    m.compile(optimizer=keras.optimizers.SGD(learning_rate=0.05, momentum=0.9), loss="binary_crossentropy",
              metrics=["accuracy", "mae"])
    x = rs.randint(0, 50, (16, 7)).astype("float32")
    y = rs.randint(0, 2, (16, 1)).astype("float32")
    save("lstm", m, fit=(x, y))

    # 4. GRU + SimpleRNN, mse (the alias), Adagrad.
    fresh()
    m = keras.Sequential([keras.Input(shape=(5, 3)), layers.GRU(4, return_sequences=True), layers.SimpleRNN(3),
                          layers.Dense(1)])
    m.compile(optimizer="adagrad", loss="mse")
    x = rs.uniform(-1, 1, (16, 5, 3)).astype("float32")
    y = rs.uniform(-1, 1, (16, 1)).astype("float32")
    save("rnn", m, fit=(x, y))

    # 5. BatchNormalization (non-trainable moving statistics), a frozen layer, never compiled.
    fresh()
    m = keras.Sequential([keras.Input(shape=(10,)), layers.Dense(8, use_bias=False), layers.BatchNormalization(),
                          layers.Activation("relu"), layers.Dense(2, trainable=False)])
    save("bn_frozen", m)

    # 6. Conv1D + GlobalAveragePooling1D, saved without the optimizer.
    fresh()
    m = keras.Sequential([keras.Input(shape=(10, 2)), layers.Conv1D(4, 3, padding="same", activation="tanh"),
                          layers.GlobalAveragePooling1D(), layers.Dense(1)])
    m.compile(optimizer="adam", loss="mean_squared_error")
    x = rs.uniform(-1, 1, (16, 10, 2)).astype("float32")
    y = rs.uniform(-1, 1, (16, 1)).astype("float32")
    save("conv1d_noopt", m, include_optimizer=False, fit=(x, y))

    # 7. A zoo of layer classes, for output shapes and parameter counts (never compiled, never run).
    fresh()
    m = keras.Sequential([
        keras.Input(shape=(9, 9, 3)), layers.ZeroPadding2D(1),
        layers.Conv2D(4, 3, strides=2, padding="same", use_bias=False), layers.BatchNormalization(), layers.LeakyReLU(),
        layers.DepthwiseConv2D(3, depth_multiplier=2, padding="same"), layers.SeparableConv2D(6, 2),
        layers.AveragePooling2D(2, padding="same"), layers.Conv2DTranspose(3, 3, strides=2), layers.UpSampling2D(2),
        layers.Cropping2D(((1, 2), (0, 1))), layers.GlobalMaxPooling2D(), layers.Dense(4), layers.Reshape((2, 2)),
        layers.Permute((2, 1)), layers.Flatten(), layers.RepeatVector(3), layers.LayerNormalization(),
        layers.TimeDistributed(layers.Dense(2)), layers.Bidirectional(layers.GRU(3, reset_after=False, return_sequences=True)),
        layers.Bidirectional(layers.LSTM(2), merge_mode="sum"), layers.PReLU(), layers.Dense(1)])
    save("zoo_conv", m)
    fresh()
    m = keras.Sequential([
        keras.Input(shape=(20, 3)), layers.Conv1D(4, 3, padding="causal", dilation_rate=2), layers.MaxPooling1D(2),
        layers.ZeroPadding1D(2), layers.Cropping1D((1, 0)), layers.UpSampling1D(2),
        layers.SimpleRNN(5, return_sequences=True, use_bias=False), layers.Dropout(0.1), layers.GaussianNoise(0.1),
        layers.GRU(3, return_sequences=True), layers.Conv1D(2, 1), layers.ELU(), layers.GlobalAveragePooling1D(),
        layers.Dense(2, activation="softmax")])
    save("zoo_seq", m)


def make_bad(out):
    """Broken files derived from the keras2/keras3 fixtures (h5py only, no Keras)."""
    import h5py
    import numpy as np

    bad = os.path.join(out, "bad")
    os.makedirs(bad, exist_ok=True)
    src = os.path.join(out, "keras3", "mlp.h5")

    def side(name, exits, why):
        with open(os.path.join(bad, name + ".json"), "w") as f:
            json.dump({"expect_exit": exits, "why": why}, f, indent=1, sort_keys=True)
            f.write("\n")

    def copy(name):
        p = os.path.join(bad, name + ".h5")
        shutil.copyfile(src, p)
        return p

    open(os.path.join(bad, "empty.h5"), "wb").close()
    side("empty", {"default": 2, "weights": 2, "verify": 2}, "a zero-byte file")
    with open(os.path.join(bad, "text.h5"), "w") as f:
        f.write("this is not an HDF5 file\n" * 20)
    side("text", {"default": 2, "weights": 2, "verify": 2}, "a text file")
    data = open(src, "rb").read()
    with open(os.path.join(bad, "truncated.h5"), "wb") as f:
        f.write(data[: len(data) // 2])
    side("truncated", {"default": 2, "weights": 2, "verify": 2}, "the first half of a real Keras 3 file")
    with h5py.File(copy("bad_json"), "a") as f:
        f.attrs["model_config"] = b'{"class_name": "Sequential", "config": {"layers": [ {"class_name": '
    side("bad_json", {"default": 2, "weights": 2, "verify": 2}, "model_config is cut-off JSON")
    with h5py.File(copy("no_config"), "a") as f:
        del f.attrs["model_config"]
    side("no_config", {"default": 2, "weights": 2, "verify": 2}, "no model_config: a weights-only file")
    with h5py.File(copy("nan_weights"), "a") as f:
        d = f["model_weights/dense/sequential/dense/kernel"]
        a = d[...]
        a[0, 0] = np.nan
        a[1, 1] = np.inf
        d[...] = a
    side("nan_weights", {"default": 0, "weights": 1, "verify": 1}, "a NaN and an Inf in the first kernel")
    with h5py.File(copy("transposed"), "a") as f:
        g = f["model_weights/dense/sequential/dense"]
        a = g["kernel"][...]
        del g["kernel"]
        g.create_dataset("kernel", data=a.T.copy())
    side("transposed", {"default": 1, "weights": 1, "verify": 1}, "the first kernel stored as (16, 20) instead of (20, 16)")
    with h5py.File(copy("unknown_class"), "a") as f:
        cfg = json.loads(f.attrs["model_config"])
        drop = [l for l in cfg["config"]["layers"] if l["class_name"] == "Dropout"][0]
        drop["class_name"] = "FancyCustomLayer"
        f.attrs["model_config"] = json.dumps(cfg).encode()
    side("unknown_class", {"default": 0, "weights": 0, "verify": 1},
         "the Dropout layer renamed to class FancyCustomLayer: inspectable, but no one can run it")
    shutil.copyfile(os.path.join(out, "keras3", "mlp_batch.h5"), os.path.join(bad, "wrong_batch.h5"))
    with h5py.File(os.path.join(bad, "wrong_batch.h5"), "a") as f:
        y = f["seqnn_test_batch/y"][...]
        y[2, 1] += 0.01
        f["seqnn_test_batch/y"][...] = y
    side("wrong_batch", {"default": 0, "weights": 0, "verify": 1}, "seqnn_test_batch/y[2, 1] is 0.01 off Keras's prediction")
    with h5py.File(copy("missing_weight"), "a") as f:
        del f["model_weights/dense_1/sequential/dense_1/bias"]
    side("missing_weight", {"default": 1, "weights": 1, "verify": 1}, "weight_names lists dense_1's bias but the dataset is gone")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--keras", choices=["2", "3", "both"], default="both")
    ap.add_argument("--out", default=DEFAULT_OUT)
    ap.add_argument("--worker", choices=["2", "3"], help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.worker:
        worker(a.worker, os.path.join(a.out, "keras" + a.worker))
        return
    gens = ["2", "3"] if a.keras == "both" else [a.keras]
    env = dict(os.environ, **ENV)
    for g in gens:
        subprocess.run([sys.executable, __file__, "--worker", g, "--out", a.out], check=True, env=env)
    if os.path.exists(os.path.join(a.out, "keras3", "mlp.h5")):
        make_bad(a.out)
    print("fixtures written to", a.out)


if __name__ == "__main__":
    main()
