"""Learning rates that change, against Keras 3: the schedules of keras.optimizers.schedules (as an optimizer's
learning_rate, evaluated in the library), and the LearningRateScheduler and ReduceLROnPlateau callbacks.
Whole fits are compared with Keras's recordings (tools/fixtures/generate_lr_callbacks.py): same initial
weights and batches, so the History (with its learning_rate key) and the final weights must agree."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import seqnn.keras as keras
from seqnn.keras import callbacks, layers, optimizers
from seqnn.keras.optimizers.schedules import CosineDecay, ExponentialDecay, LearningRateSchedule

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
RECORDED = json.loads((HERE / "fixtures" / "lr_callbacks.json").read_text())
SCHEDULE_FIXTURES = sorted((REPO / "Tests" / "SeqNNTests" / "Fixtures" / "keras3").glob("schedule_*.json"))


def python_schedule_class():
    """The generator's own LearningRateSchedule subclass, defined here from the same source text."""
    scope = {"keras": keras}
    exec(RECORDED["python_schedule"], scope)
    return scope["InverseSqrt"]


def optimizer_of(case):
    cfg = json.loads(json.dumps(case["optimizer"]))
    lr = cfg["config"].get("learning_rate")
    if isinstance(lr, dict) and "python_schedule" in lr:
        cfg["config"]["learning_rate"] = python_schedule_class()(*lr["args"])
        return getattr(optimizers, cfg["class_name"])(**cfg["config"])
    return optimizers.deserialize(cfg)


def model_from(case):
    m = keras.Sequential([keras.Input((4,)), layers.Dense(8, activation="tanh"), layers.Dense(3, activation="softmax")])
    m.set_weights([np.asarray(w, np.float32) for w in case["initial_weights"]])
    return m


def make_callbacks(name):
    rules = {k: eval(v) for k, v in RECORDED["scheduler_rules"].items()}   # the generator's own source text
    return {
        "scheduler_halve_after_2": lambda: [callbacks.LearningRateScheduler(rules["halve_after_2"])],
        "scheduler_old_api": lambda: [callbacks.LearningRateScheduler(rules["by_epoch_old_api"])],
        "plateau_loss": lambda: [callbacks.ReduceLROnPlateau(monitor="loss", factor=0.5, patience=1, min_delta=0.02,
                                                             cooldown=1, min_lr=0.05)],
        "plateau_val_accuracy": lambda: [callbacks.ReduceLROnPlateau(monitor="val_accuracy", factor=0.3, patience=2,
                                                                     mode="auto")],
    }.get(name, lambda: [])()


@pytest.mark.parametrize("name", sorted(RECORDED["cases"]))
def test_fit_with_changing_learning_rate_matches_keras(name):
    case = RECORDED["cases"][name]
    m = model_from(case)
    m.compile(optimizer=optimizer_of(case), loss="categorical_crossentropy", metrics=["accuracy"])
    x, y = np.asarray(RECORDED["x"], np.float32), np.asarray(RECORDED["y"], np.float32)
    h = m.fit(x, y, callbacks=make_callbacks(name), **case["fit"])
    assert sorted(h.history) == sorted(case["history"])
    for key, want in case["history"].items():
        np.testing.assert_allclose(h.history[key], want, rtol=1e-4, atol=1e-5, err_msg=f"{name}: history {key}")
    for got, want in zip(m.get_weights(), case["final_weights"]):
        np.testing.assert_allclose(got, np.asarray(want, np.float32), rtol=1e-4, atol=2e-5, err_msg=name)
    final = m.optimizer.learning_rate
    if m.optimizer._python_schedule is not None:   # the library holds the last step's rate; Keras reports the next
        final = float(m.optimizer._python_schedule(m.optimizer.iterations))
    assert final == pytest.approx(case["final_learning_rate"], rel=1e-6)


@pytest.mark.parametrize("path", SCHEDULE_FIXTURES, ids=lambda p: p.stem)
def test_calling_a_schedule_gives_keras_rates(path):
    doc = json.loads(path.read_text())
    schedule = optimizers.schedules.deserialize(doc["schedule"])
    got = [float(schedule(s)) for s in doc["steps"]]
    np.testing.assert_allclose(got, doc["learning_rate"], rtol=2e-6, atol=1e-9)
    assert optimizers.schedules.serialize(schedule) == doc["schedule"]


def small_model(optimizer):
    m = keras.Sequential([keras.Input((3,)), layers.Dense(2)])
    m.compile(optimizer=optimizer, loss="mse")
    return m


def test_optimizer_reads_the_schedule_at_its_step_and_refuses_assignment():
    schedule = ExponentialDecay(0.1, decay_steps=2, decay_rate=0.5)
    m = small_model(optimizers.SGD(learning_rate=schedule))
    assert m.optimizer.learning_rate == pytest.approx(0.1)
    x, y = np.ones((4, 3), np.float32), np.zeros((4, 2), np.float32)
    for _ in range(3):
        m.train_on_batch(x, y)
    assert m.optimizer.learning_rate == pytest.approx(float(schedule(3)), rel=1e-7)
    with pytest.raises(TypeError, match="not settable"):
        m.optimizer.learning_rate = 0.01
    cfg = m.optimizer.get_config()["learning_rate"]
    assert cfg["class_name"] == "ExponentialDecay" and cfg["config"]["decay_steps"] == 2


def test_a_saved_model_keeps_its_schedule_and_step(tmp_path):
    m = small_model(optimizers.Adam(learning_rate=CosineDecay(0.01, 10, warmup_target=0.1, warmup_steps=4)))
    x, y = np.ones((4, 3), np.float32), np.zeros((4, 2), np.float32)
    for _ in range(5):
        m.train_on_batch(x, y)
    m.save(tmp_path / "m.h5")
    loaded = keras.models.load_model(tmp_path / "m.h5")
    assert loaded.train_on_batch(x, y) == pytest.approx(m.train_on_batch(x, y), rel=1e-6)
    np.testing.assert_array_equal(loaded.get_weights()[0], m.get_weights()[0])


def test_a_python_schedule_sets_the_rate_of_every_step():
    class Halving(LearningRateSchedule):
        def __call__(self, step):
            return 0.1 / (int(step) + 1)

        def get_config(self):
            return {}

    m = small_model(optimizers.SGD(learning_rate=Halving()))
    x, y = np.ones((4, 3), np.float32), np.zeros((4, 2), np.float32)
    w = m.get_weights()[0].copy()
    twin = small_model(optimizers.SGD(learning_rate=0.1))
    twin.set_weights(m.get_weights())
    for step in range(3):
        m.train_on_batch(x, y)
        twin.optimizer.learning_rate = 0.1 / (step + 1)
        twin.train_on_batch(x, y)
        np.testing.assert_allclose(m.get_weights()[0], twin.get_weights()[0], rtol=1e-6, atol=1e-7)
    assert m.optimizer.iterations == 3 and not np.array_equal(w, m.get_weights()[0])
    with pytest.raises(TypeError, match="not settable"):
        m.optimizer.learning_rate = 0.5
    assert m.optimizer.get_config()["learning_rate"]["class_name"] == "Halving"


def test_unknown_schedules_are_refused_by_name():
    with pytest.raises(ValueError, match="Unknown learning rate schedule"):
        optimizers.schedules.deserialize({"class_name": "OneCycle", "config": {}})
    with pytest.raises(ValueError, match="decay_steps"):
        ExponentialDecay(0.1, 0, 0.5)


def test_learning_rate_scheduler_output_must_be_a_float():
    m = small_model(optimizers.SGD(0.1))
    x, y = np.ones((4, 3), np.float32), np.zeros((4, 2), np.float32)
    with pytest.raises(ValueError, match="should be a float"):
        m.fit(x, y, epochs=2, verbose=0, callbacks=[callbacks.LearningRateScheduler(lambda epoch, lr: "fast")])
    with pytest.raises(TypeError):   # a scheduled rate cannot be driven by a callback either, as in Keras
        small_model(optimizers.SGD(ExponentialDecay(0.1, 2, 0.5))).fit(
            x, y, epochs=1, verbose=0, callbacks=[callbacks.LearningRateScheduler(lambda epoch, lr: lr)])
