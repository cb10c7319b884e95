"""The project's Keras 3 tutorial-shaped scripts (Tests/python/tutorials/scripts) run on SeqNN with only their
imports changed, and score as real Keras 3 did (Tests/python/tutorials/keras_scores.json, recorded by
tools/fixtures/generate_tutorial_scores.py for several seeds). The margins and why they are margins:
Tests/python/tutorials/run_tutorials.py."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "tutorials"))
import run_tutorials as tutorials  # noqa: E402

SCORES = tutorials.load_scores()
NAMES = tutorials.script_names()


def test_every_script_has_keras_scores_for_every_seed():
    assert sorted(SCORES["scripts"]) == NAMES
    for name, entry in SCORES["scripts"].items():
        assert len(entry["runs"]) == len(SCORES["seeds"]) >= 3, name
        assert entry["needs"] == tutorials.needs(tutorials.script_source(name)), name


def test_at_least_ten_scripts_need_nothing_still_being_built():
    assert len([n for n in NAMES if not tutorials.needs(tutorials.script_source(n))]) >= 10


@pytest.mark.parametrize("name", NAMES)
def test_script_is_plain_keras_3(name):
    source = tutorials.script_source(name)
    assert "seqnn" not in source.lower()
    assert "import keras\n" in source
    assert "RESULT = {" in source


@pytest.mark.parametrize("name", NAMES)
def test_margins_hold_for_every_keras_seed(name):
    # The margins are no tighter than Keras's own spread: each recorded Keras seed is within them of the mean.
    entry = SCORES["scripts"][name]
    ref = tutorials.reference(entry)
    for seed, run in zip(SCORES["seeds"], entry["runs"]):
        assert tutorials.compare(run, ref) == [], f"Keras seed {seed}"


@pytest.mark.parametrize("name", NAMES)
def test_script_scores_as_keras_does(name):
    source = tutorials.script_source(name)
    why = tutorials.missing_feature(source)
    if why:
        pytest.skip(why)
    result = tutorials.run_script(name, "seqnn")
    ref = tutorials.reference(SCORES["scripts"][name])
    assert tutorials.compare(result, ref, tutorials.known_gaps(name)) == []
    for key in tutorials.known_gaps(name):
        # a known gap must still be one: once the library matches Keras, its KNOWN_GAPS entry goes
        assert tutorials.compare({key: result[key]}, {key: ref[key]}) != [], \
            f"{name}: {key} now matches Keras; remove it from KNOWN_GAPS"


def test_imports_change_to_seqnn_keras_and_nothing_else():
    source = ("import keras\nfrom keras import layers, ops\nfrom keras.layers import Dense\n"
              "import keras.backend as K\nimport keras.layers\n    from keras.callbacks import EarlyStopping\n"
              "x = 'import keras'  # keras.layers\nimport kerastuner\n")
    assert tutorials.to_seqnn(source) == (
        "import seqnn.keras as keras\nfrom seqnn.keras import layers, ops\nfrom seqnn.keras.layers import Dense\n"
        "import seqnn.keras.backend as K\nimport seqnn.keras.layers; import seqnn.keras as keras\n"
        "    from seqnn.keras.callbacks import EarlyStopping\nx = 'import keras'  # keras.layers\nimport kerastuner\n")


def test_seed_line_is_replaced():
    assert tutorials.with_seed("a = 1\nSEED = 1337\n", 7) == "a = 1\nSEED = 7\n"
    with pytest.raises(ValueError):
        tutorials.with_seed("a = 1\n", 7)


def test_comparison_kinds_follow_key_names():
    assert tutorials.compare({"test_accuracy": 0.90}, {"test_accuracy": 0.94}) == []
    assert tutorials.compare({"test_accuracy": 0.88}, {"test_accuracy": 0.94}) != []
    assert tutorials.compare({"test_loss": 0.30}, {"test_loss": 0.25}) == []
    assert tutorials.compare({"test_loss": 0.50}, {"test_loss": 0.25}) != []
    assert tutorials.compare({"test_loss": 0.02}, {"test_loss": 0.001}) == []   # the absolute floor near zero
    assert tutorials.compare({"lr": 0.0174339}, {"lr": 0.01743391}) == []
    assert tutorials.compare({"lr": 0.0175}, {"lr": 0.01743391}) != []
    assert tutorials.compare({"keys": ["a", "b"]}, {"keys": ["a"]}) != []
    assert tutorials.compare({}, {"keys": ["a"]}) == ["keys: missing (Keras: ['a'])"]


def test_known_gaps_name_recorded_scripts_and_keys():
    for (name, key), why in tutorials.KNOWN_GAPS.items():
        assert name in SCORES["scripts"] and key in SCORES["scripts"][name]["runs"][0], (name, key)
        assert why


def test_unknown_needed_feature_is_an_error():
    with pytest.raises(ValueError, match="unknown feature"):
        tutorials.missing_feature('"""x\n\nneeds: teleportation\n"""')
