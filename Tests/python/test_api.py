"""The Keras-shaped API: layers, weights, compile arguments, fit/evaluate/predict options, History."""
from __future__ import annotations

import numpy as np
import pytest

import seqnn
from seqnn.keras import activations, initializers, losses, metrics, optimizers, regularizers
from seqnn.keras import backend as K
from seqnn.keras.layers import Activation, Dense, Dropout, Flatten, Input, InputLayer, Reshape
from seqnn.keras.models import Sequential
from seqnn.keras.utils import to_categorical


def xy(n=96, d=6, classes=3, seed=0):
    r = np.random.default_rng(seed)
    x = r.normal(size=(n, d)).astype(np.float32)
    labels = np.argmax(x[:, :classes], axis=1)
    return x, to_categorical(labels, classes), labels


# ---- building -----------------------------------------------------------------------------------------

def test_layers_add_pop_and_names():
    model = Sequential([InputLayer(shape=(6,)), Dense(5, name="hidden"), Activation(activations.relu)], seed=1)
    assert [l.name for l in model.layers] == ["hidden", "activation"]
    assert model.get_layer("hidden") is model.layers[0] and model.get_layer(index=-1) is model.layers[1]
    model.compile("adam", "mse")
    assert model.compiled
    popped = model.pop()
    assert isinstance(popped, Activation) and popped.name == "activation"
    assert not model.compiled           # adding or popping un-compiles, as Keras needs compile again
    model.add(popped)                   # a popped layer can be added again
    assert len(model.layers) == 2
    with pytest.raises(ValueError, match="No such layer"):
        model.get_layer("nope")


def test_input_forms():
    assert Sequential([Input(shape=(4, 3)), Flatten(), Dense(2)]).input_shape == (None, 4, 3)
    assert Sequential([Input(batch_shape=(8, 5)), Dense(2)]).input_shape == (8, 5)
    assert Sequential([Dense(2, batch_input_shape=(None, 7))]).input_shape == (None, 7)
    assert Sequential([Dense(2, input_dim=3, input_length=4)]).output_shape == (None, 4, 2)
    m = Sequential([Dense(2)])
    m.build((None, 9))
    assert m.input_shape == (None, 9) and m.output_shape == (None, 2)


def test_shapes_through_reshape_and_flatten():
    model = Sequential([Dense(8, input_shape=(4, 3)), Flatten(), Reshape((-1, 2)), Dense(5)], seed=2)
    assert [l.output_shape for l in model.layers] == [(None, 4, 8), (None, 32), (None, 16, 2), (None, 16, 5)]
    out = model.predict(np.ones((7, 4, 3)), verbose=0)
    assert out.shape == (7, 16, 5) and out.dtype == np.float32
    assert model(np.ones((2, 4, 3))).shape == (2, 16, 5)


def test_delayed_build_and_pending_compile():
    x, y, _ = xy()
    model = Sequential([Dense(8, activation="relu"), Dense(3, activation="softmax")], seed=3)
    model.compile("adam", "categorical_crossentropy", metrics=["accuracy"])
    assert model.metrics_names == []
    h = model.fit(x, y, epochs=2, verbose=0)          # builds from x, then compiles
    assert model.input_shape == (None, 6) and list(h.history) == ["loss", "accuracy"]


def test_weights_and_variables():
    model = Sequential([Dense(4, input_dim=3, name="d"), Dense(2, use_bias=False)], seed=4)
    assert [w.path for w in model.weights] == ["d/kernel", "d/bias", "dense/kernel"]
    assert [w.shape for w in model.weights] == [(3, 4), (4,), (4, 2)]
    assert model.layers[1].bias is None and model.layers[0].kernel.shape == (3, 4)
    w = model.get_weights()
    assert [a.shape for a in w] == [(3, 4), (4,), (4, 2)] and all(a.dtype == np.float32 for a in w)
    new = [np.full_like(a, i + 1) for i, a in enumerate(w)]
    model.set_weights(new)
    assert all(np.array_equal(a, b) for a, b in zip(model.get_weights(), new))
    model.layers[0].set_weights([np.zeros((3, 4)), np.ones(4)])
    assert model.layers[0].get_weights()[1].tolist() == [1, 1, 1, 1]
    model.layers[0].kernel.assign(np.eye(3, 4))
    assert np.array_equal(np.asarray(model.layers[0].kernel), np.eye(3, 4, dtype=np.float32))
    assert model.count_params() == 12 + 4 + 8 and model.layers[0].count_params() == 16
    # weights are copies: changing them changes nothing in the model
    got = model.get_weights()
    got[0][:] = 99
    assert model.get_weights()[0].max() < 99


def test_summary():
    model = Sequential([Dense(32, input_shape=(784,)), Activation("relu"), Dense(10)], name="tutorial")
    lines = []
    model.summary(print_fn=lines.append)
    assert lines[0] == 'Model: "tutorial"'
    assert any(line.startswith(" dense (Dense)") and "(None, 32)" in line and "25120" in line for line in lines)
    assert "Total params: 25450 (99.41 KB)" in lines


def test_initializers_and_regularizers():
    model = Sequential([Dense(3, input_dim=2, kernel_initializer=initializers.Constant(0.5),
                              bias_initializer="ones", kernel_regularizer=regularizers.l2(0.1)),
                        Dense(1, kernel_initializer=initializers.Zeros(), kernel_regularizer=regularizers.L1L2(l1=0.2))],
                       seed=5)
    w = model.get_weights()
    assert np.all(w[0] == 0.5) and np.all(w[1] == 1) and np.all(w[2] == 0)
    model.compile("sgd", "mse")
    x = np.ones((4, 2), dtype=np.float32)
    y = np.zeros((4, 1), dtype=np.float32)
    pred = model.predict(x, verbose=0)
    penalty = regularizers.l2(0.1)(w[0]) + regularizers.L1L2(l1=0.2)(w[2])
    expected = float(losses.MeanSquaredError()(y, pred)) + penalty
    assert model.evaluate(x, y, verbose=0) == pytest.approx(expected, rel=1e-6)
    seeded = [Sequential([Dense(3, input_dim=2, kernel_initializer=initializers.HeNormal(seed=9))], seed=s)
              for s in (1, 2)]
    assert np.array_equal(seeded[0].get_weights()[0], seeded[1].get_weights()[0])


def test_layer_trainable():
    x, y, _ = xy()
    model = Sequential([Dense(8, input_dim=6, activation="relu"), Dense(3, activation="softmax")], seed=6)
    frozen = model.layers[0].get_weights()
    model.layers[0].trainable = False
    model.compile("adam", "categorical_crossentropy")
    model.fit(x, y, epochs=2, verbose=0)
    assert all(np.array_equal(a, b) for a, b in zip(model.layers[0].get_weights(), frozen))
    assert len(model.trainable_weights) == 2 and len(model.non_trainable_weights) == 2
    lines = []
    model.summary(print_fn=lines.append)
    assert "Non-trainable params: 56 (224.00 Byte)" in lines
    d = Dense(2, trainable=False, input_dim=3)
    assert Sequential([d]).layers[0].trainable is False


# ---- compile ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("opt", [optimizers.SGD(learning_rate=0.05, momentum=0.9, nesterov=True),
                                 optimizers.RMSprop(centered=True), optimizers.Adagrad(), optimizers.Adadelta(),
                                 optimizers.Adam(amsgrad=True), optimizers.AdamW(), optimizers.Adamax(),
                                 optimizers.Nadam(), "sgd", "rmsprop", "adagrad", "adadelta", "adam", "adamw",
                                 "adamax", "nadam", optimizers.Adam(clipnorm=1.0), optimizers.SGD(clipvalue=0.1)])
def test_every_optimizer_trains(opt):
    x, y, _ = xy()
    model = Sequential([Dense(8, input_dim=6, activation="tanh"), Dense(3, activation="softmax")], seed=7)
    model.compile(optimizer=opt, loss="categorical_crossentropy")
    before = model.get_weights()
    model.fit(x, y, epochs=1, verbose=0)
    assert any(not np.array_equal(a, b) for a, b in zip(before, model.get_weights()))
    assert isinstance(model.optimizer, optimizers.Optimizer)


def test_optimizer_configs_have_keras3_defaults():
    assert optimizers.SGD().get_config()["learning_rate"] == 0.01
    cfg = optimizers.RMSprop().get_config()
    assert (cfg["learning_rate"], cfg["rho"], cfg["epsilon"], cfg["centered"]) == (0.001, 0.9, 1e-7, False)
    assert optimizers.Adagrad().get_config()["initial_accumulator_value"] == 0.1
    assert optimizers.Adadelta().get_config()["rho"] == 0.95
    assert optimizers.AdamW().get_config()["weight_decay"] == 0.004
    cfg = optimizers.Adam().get_config()
    assert (cfg["beta_1"], cfg["beta_2"], cfg["epsilon"], cfg["amsgrad"]) == (0.9, 0.999, 1e-7, False)
    assert optimizers.SGD(lr=0.3).learning_rate == 0.3       # Keras 2 spelling
    with pytest.warns(UserWarning, match="decay"):
        optimizers.SGD(lr=0.01, decay=1e-6, momentum=0.9, nesterov=True)
    with pytest.raises(NotImplementedError, match="schedules"):
        optimizers.Adam(learning_rate=lambda step: 0.1)
    assert optimizers.get("Adam").__class__ is optimizers.Adam


def test_optimizer_object_equals_name():
    x, y, _ = xy()
    results = []
    for opt in ("adam", optimizers.Adam()):
        m = Sequential([Dense(3, input_dim=6, activation="softmax")], seed=8)
        m.compile(opt, "categorical_crossentropy")
        results.append(m.fit(x, y, epochs=2, verbose=0).history["loss"])
    assert results[0] == results[1]


@pytest.mark.parametrize("loss,last,target", [
    ("mse", None, "reg"), (losses.MeanAbsoluteError(), None, "reg"), (losses.mean_squared_logarithmic_error, "relu", "pos"),
    ("mape", None, "reg"), ("binary_crossentropy", "sigmoid", "bin"), (losses.BinaryCrossentropy(from_logits=True), None, "bin"),
    ("categorical_crossentropy", "softmax", "onehot"), (losses.CategoricalCrossentropy(label_smoothing=0.1), "softmax", "onehot"),
    (losses.CategoricalCrossentropy(from_logits=True), None, "onehot"), ("sparse_categorical_crossentropy", "softmax", "labels"),
    ("hinge", "tanh", "bin"), ("squared_hinge", "tanh", "bin"), ("categorical_hinge", None, "onehot"),
    ("kld", "softmax", "onehot"), ("poisson", "softplus", "pos"), (losses.Huber(delta=0.5), None, "reg"),
    ("log_cosh", None, "reg"), ("cosine_similarity", None, "reg"),
])
def test_losses_match_their_numpy_definitions(loss, last, target):
    x, onehot, labels = xy(n=40)
    y = {"reg": x[:, :3] * 0.5, "pos": np.abs(x[:, :3]), "bin": (x[:, :3] > 0).astype(np.float32),
         "onehot": onehot, "labels": labels.reshape(-1, 1).astype(np.float32)}[target]
    model = Sequential([Dense(3, input_dim=6, activation=last)], seed=9)
    model.compile("sgd", loss)
    fn = loss if not isinstance(loss, str) else losses.get(getattr(losses, loss))
    if isinstance(fn, losses.Loss):
        expected = float(fn(y, model.predict(x, verbose=0)))
    else:
        expected = float(np.mean(fn(y, model.predict(x, verbose=0))))
    assert model.evaluate(x, y, verbose=0) == pytest.approx(expected, rel=2e-4, abs=1e-5)
    model.fit(x, y, epochs=1, verbose=0)


def test_metrics_in_every_form():
    x, y, labels = xy()
    model = Sequential([Dense(3, input_dim=6, activation="softmax")], seed=10)
    model.compile("adam", "categorical_crossentropy",
                  metrics=["accuracy", metrics.CategoricalAccuracy(name="cat"), metrics.top_k_categorical_accuracy,
                           metrics.TopKCategoricalAccuracy(k=2, name="top2"), "mae", metrics.mse,
                           losses.categorical_crossentropy, lambda t, p: K.max(p),
                           metrics.MeanMetricWrapper(lambda t, p: K.min(p), name="min_pred")])
    assert model.metrics_names == ["loss", "accuracy", "cat", "top_k_categorical_accuracy", "top2", "mae",
                                   "mean_squared_error", "categorical_crossentropy", "<lambda>", "min_pred"]
    logs = model.evaluate(x, y, verbose=0, batch_size=len(x), return_dict=True)
    pred = model.predict(x, verbose=0)
    assert logs["accuracy"] == logs["cat"] == pytest.approx(float(np.mean(metrics.categorical_accuracy(y, pred))))
    assert logs["top2"] == pytest.approx(float(np.mean(metrics.top_k_categorical_accuracy(y, pred, k=2))))
    assert logs["top_k_categorical_accuracy"] == 1.0
    assert logs["mae"] == pytest.approx(float(np.mean(metrics.mae(y, pred))), rel=1e-5)
    assert logs["categorical_crossentropy"] == pytest.approx(logs["loss"], rel=1e-5)
    assert logs["<lambda>"] == pytest.approx(float(pred.max())) and logs["min_pred"] == pytest.approx(float(pred.min()))


def test_custom_metric_sees_keras_shapes():
    shapes = []

    def record(y_true, y_pred):
        shapes.append((y_true.shape, y_pred.shape, y_true.dtype, y_pred.dtype))
        return 0.0
    model = Sequential([Dense(5, input_shape=(4, 3)), Dense(2, activation="softmax")], seed=11)
    model.compile("adam", "sparse_categorical_crossentropy", metrics=[record])
    x = np.ones((10, 4, 3), dtype=np.float32)
    y = np.zeros((10, 4, 1), dtype=np.float32)
    model.fit(x, y, batch_size=5, verbose=0)
    assert shapes[0] == ((5, 4, 1), (5, 4, 2), np.float32, np.float32)


def test_recompile_with_other_python_metrics():
    x, y, _ = xy()
    model = Sequential([Dense(3, input_dim=6, activation="softmax")], seed=12)

    def one(t, p):
        return 1.0

    def two(t, p):
        return 2.0
    model.compile("adam", "categorical_crossentropy", metrics=[one])
    assert model.evaluate(x, y, verbose=0, return_dict=True)["one"] == 1.0
    one_again = lambda t, p: 11.0  # noqa: E731
    one_again.__name__ = "one"
    model.compile("adam", "categorical_crossentropy", metrics=[one_again, two])
    logs = model.evaluate(x, y, verbose=0, return_dict=True)
    assert logs["one"] == 11.0 and logs["two"] == 2.0


# ---- fit / evaluate / predict -------------------------------------------------------------------------

def compiled(seed=13, **kwargs):
    model = Sequential([Dense(8, input_dim=6, activation="relu"), Dropout(0.1), Dense(3, activation="softmax")],
                       seed=seed)
    model.compile(kwargs.pop("optimizer", "adam"), kwargs.pop("loss", "categorical_crossentropy"),
                  metrics=kwargs.pop("metrics", ["accuracy"]))
    return model


def test_history_keys_and_values():
    x, y, _ = xy()
    model = compiled()
    h = model.fit(x, y, epochs=3, validation_split=0.25, verbose=0)
    assert list(h.history) == ["loss", "accuracy", "val_loss", "val_accuracy"]
    assert h.epoch == [0, 1, 2] and model.history is h
    assert all(isinstance(v, float) for vals in h.history.values() for v in vals)
    assert h.params == {"verbose": 0, "epochs": 3, "steps": 3}


def test_validation_data_equals_evaluate():
    x, y, _ = xy()
    model = compiled()
    h = model.fit(x[:64], y[:64], epochs=1, validation_data=(x[64:], y[64:]), verbose=0, batch_size=16)
    val = model.evaluate(x[64:], y[64:], verbose=0, batch_size=16, return_dict=True)
    assert h.history["val_loss"][0] == pytest.approx(val["loss"], rel=1e-12)
    assert h.history["val_accuracy"][0] == val["accuracy"]


def test_validation_split_takes_the_end():
    x, y, _ = xy()
    a, b = compiled(), compiled()
    ha = a.fit(x, y, epochs=2, validation_split=0.25, verbose=0, shuffle=False)
    hb = b.fit(x[:72], y[:72], epochs=2, validation_data=(x[72:], y[72:]), verbose=0, shuffle=False)
    assert ha.history == hb.history


def test_same_seed_same_result_and_shuffle():
    x, y, _ = xy()
    runs = [compiled(seed=s).fit(x, y, epochs=2, verbose=0).history["loss"] for s in (1, 1, 2)]
    assert runs[0] == runs[1] != runs[2]
    a = compiled().fit(x, y, epochs=2, verbose=0, shuffle=True).history["loss"]
    b = compiled().fit(x, y, epochs=2, verbose=0, shuffle=False).history["loss"]
    assert a != b


def test_set_random_seed_makes_scripts_repeatable():
    x, y, _ = xy()

    def script():
        seqnn.utils.set_random_seed(1337)
        m = Sequential([Dense(4, input_dim=6), Dense(3, activation="softmax")])
        m2 = Sequential([Dense(4, input_dim=6)])
        m.compile("adam", "categorical_crossentropy")
        return m.fit(x, y, epochs=1, verbose=0).history["loss"], m.get_weights()[0], m2.get_weights()[0]
    (l1, w1, v1), (l2, w2, v2) = script(), script()
    assert l1 == l2 and np.array_equal(w1, w2) and np.array_equal(v1, v2)
    assert not np.array_equal(w1[:, :4], v1)


def test_class_and_sample_weights():
    x, y, labels = xy()
    base = compiled().fit(x, y, epochs=1, verbose=0).history["loss"][0]
    ones = compiled().fit(x, y, epochs=1, verbose=0, sample_weight=np.ones(len(x))).history["loss"][0]
    cw = compiled().fit(x, y, epochs=1, verbose=0, class_weight={0: 1.0, 1: 5.0, 2: 1.0}).history["loss"][0]
    sw = np.where(labels == 1, 5.0, 1.0)
    sw_loss = compiled().fit(x, y, epochs=1, verbose=0, sample_weight=sw).history["loss"][0]
    assert base == ones and cw == sw_loss != base


def test_evaluate_return_forms():
    x, y, _ = xy()
    model = compiled()
    res = model.evaluate(x, y, verbose=0)
    assert isinstance(res, list) and len(res) == 2
    assert model.evaluate(x, y, verbose=0, return_dict=True) == dict(zip(["loss", "accuracy"], res))
    plain = compiled(metrics=None)
    assert isinstance(plain.evaluate(x, y, verbose=0), float)
    assert plain.test_on_batch(x, y) == pytest.approx(plain.evaluate(x, y, verbose=0, batch_size=len(x)))


def test_train_on_batch():
    x, y, _ = xy()
    a, b = compiled(), compiled()
    ra = a.train_on_batch(x[:32], y[:32])
    rb = b.train_on_batch(x[:32], y[:32], sample_weight=np.ones(32))   # the weighted path gives the same step
    assert ra == rb and isinstance(ra, list)
    assert all(np.array_equal(p, q) for p, q in zip(a.get_weights(), b.get_weights()))
    assert a.train_on_batch(x[:32], y[:32], return_dict=True).keys() == {"loss", "accuracy"}
    c = compiled()
    c.train_on_batch(x[:32], y[:32], class_weight={1: 3.0})


def test_predict_forms():
    x, y, _ = xy()
    model = compiled()
    p = model.predict(x, verbose=0)
    assert p.shape == (96, 3) and p.dtype == np.float32
    # equal up to rounding: OpenBLAS's sgemm may round differently for another number of rows
    np.testing.assert_allclose(model.predict(x, batch_size=7, verbose=0), p, rtol=0, atol=1e-6)
    np.testing.assert_allclose(model.predict_on_batch(x), p, rtol=0, atol=1e-6)
    assert np.array_equal(model(x), model.predict(x, batch_size=len(x), verbose=0))
    assert np.array_equal(model.predict(x.astype(np.float64).tolist(), verbose=0), p)
    assert np.array_equal(model.predict(np.asfortranarray(x), verbose=0), p)


def test_verbose_output(capsys):
    x, y, _ = xy()
    model = compiled()
    model.fit(x, y, epochs=2, verbose=0)
    model.evaluate(x, y, verbose=0)
    model.predict(x, verbose=0)
    assert capsys.readouterr().out == ""
    model.fit(x, y, epochs=2, verbose=2)
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 2 and out[0].startswith("3/3 - ") and " - loss: " in out[0] and out[0].endswith("/step")
    model.evaluate(x, y)
    out = capsys.readouterr().out
    assert out.startswith("3/3 [==============================] - ") and " - accuracy: " in out
    model.fit(x, y, epochs=1, batch_size=32, validation_split=0.25)
    out = capsys.readouterr().out
    assert out.startswith("Epoch 1/1\n") and "\r" in out and "val_loss" in out


def test_sparse_labels_and_to_categorical():
    x, y, labels = xy()
    model = compiled(loss="sparse_categorical_crossentropy")
    h = model.fit(x, labels, epochs=1, verbose=0)
    assert list(h.history) == ["loss", "accuracy"]
    assert to_categorical([0, 2, 1]).tolist() == [[1, 0, 0], [0, 0, 1], [0, 1, 0]]
    assert to_categorical(np.array([[1], [0]]), 3).shape == (2, 3)
    assert to_categorical(np.zeros((2, 4), dtype=int), 5).shape == (2, 4, 5)
    assert to_categorical([1, 0], dtype="int32").dtype == np.int32


def test_config_round_trip():
    model = Sequential([Dense(4, input_shape=(3,), activation="relu", kernel_regularizer=regularizers.l2(0.01)),
                        Dropout(0.5), Dense(2, name="out")], name="cfg")
    config = model.get_config()
    assert config["name"] == "cfg" and config["layers"][1]["class_name"] == "Dense"
    assert config["layers"][1]["config"]["kernel_regularizer"] == {"class_name": "L2", "config": {"l2": 0.01}}
    clone = Sequential.from_config(config)
    assert [l.name for l in clone.layers] == ["dense", "dropout", "out"] and clone.input_shape == (None, 3)


def test_backend_helpers():
    a = np.array([[1.0, -2.0], [3.0, 4.0]], dtype=np.float32)
    assert K.mean(a) == pytest.approx(1.5) and K.mean(a, axis=0).tolist() == [2.0, 1.0]
    assert K.sum(K.square(a)) == 30 and K.abs(a).min() == 1
    assert K.argmax(a).tolist() == [0, 1] and K.equal(K.argmax(a), 1).tolist() == [False, True]
    assert K.cast(K.equal(a, 3.0), "float32").sum() == 1
    assert K.clip(a, 0, 2).tolist() == [[1, 0], [2, 2]] and K.epsilon() == 1e-7
    assert K.mean(a).dtype == np.float32
    assert seqnn.ops.mean(a) == K.mean(a)


def test_keras_namespace_is_the_same_objects():
    import seqnn.keras as keras
    from seqnn.keras.models import Sequential as S
    assert S is seqnn.models.Sequential is keras.Sequential
    assert keras.layers.Dense is seqnn.layers.Dense and keras.utils.to_categorical is seqnn.utils.to_categorical
    assert keras.backend.mean is seqnn.backend.mean


def test_models_are_freed():
    import gc
    model = Sequential([Dense(4, input_dim=3), Dense(2)], seed=1)
    model.compile("adam", "mse", metrics=[lambda t, p: 0.0])
    model.fit(np.zeros((4, 3)), np.zeros((4, 2)), verbose=0)
    finalizer = model._finalizer
    layer = model.layers[0]
    del model
    gc.collect()
    assert finalizer.alive        # the layer still refers to its model
    del layer
    gc.collect()
    assert not finalizer.alive    # seqnn_model_free ran, then the metric callback was released


def test_keyboard_interrupt_in_a_callback_stops_fit():
    x, y, _ = xy()
    model = compiled()

    def interrupt(epoch, logs):
        raise KeyboardInterrupt
    with pytest.raises(KeyboardInterrupt):
        model.fit(x, y, epochs=5, verbose=0,
                  callbacks=[seqnn.callbacks.LambdaCallback(on_epoch_end=interrupt)])
    assert model.fit(x, y, epochs=1, verbose=0).epoch == [0]


def test_config_layer_passes_any_class_to_the_library():
    from seqnn.layers import ConfigLayer, deserialize
    model = Sequential([ConfigLayer("Dense", {"units": 4, "activation": "relu", "input_shape": [3]}),
                        deserialize({"class_name": "Dense", "config": {"units": 2, "name": "out"}})], seed=1)
    assert [l.name for l in model.layers] == ["dense", "out"] and model.output_shape == (None, 2)
    with pytest.raises(seqnn.UnsupportedError, match="unknown layer class 'NoSuchLayer'"):
        model.add(ConfigLayer("NoSuchLayer", {}))
