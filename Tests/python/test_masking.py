"""Keras masks through the Python binding: the padded-text case, Embedding(mask_zero=True) -> LSTM, and a
Masking layer, against the numbers real Keras 3 and tf_keras stored in the parity fixtures
(tools/fixtures/generate_masking.py): predictions, and training steps whose loss averages over the
unmasked steps only. Padded batches hold full rows, trailing and leading padding, padding in the middle
and a fully padded row."""
import json
from pathlib import Path

import numpy as np
import pytest

from seqnn.keras.layers import LSTM, Dense, Embedding, Masking, Softmax
from seqnn.keras.models import Sequential
from seqnn.keras.optimizers import Adam
from seqnn import SeqNNError

FIXTURES = Path(__file__).resolve().parents[1] / "SeqNNTests" / "Fixtures"


def fixture(gen, name):
    return json.loads((FIXTURES / f"keras{gen}" / name).read_text())


def array(a):
    return np.array(a["values"], dtype="float32").reshape(a["shape"])


def weights(layer_lists):
    return [array(w) for layer in layer_lists for w in layer]


@pytest.mark.parametrize("gen", [2, 3])
def test_padded_text_lstm_predicts_as_keras(gen):
    f = fixture(gen, "model_mask_emb_lstm_last.json")
    model = Sequential([Embedding(10, 3, mask_zero=True), LSTM(4)])
    model.build((None, 6))
    model.set_weights(weights(f["weights"]))
    x = array(f["x"])
    assert (x == 0).all(axis=1).any() and ((x == 0) & (np.arange(6) < 5)).any(), "padded rows, one fully padded"
    np.testing.assert_allclose(model.predict(x, verbose=0), array(f["y"]), atol=1e-5, rtol=1e-4)
    # Without the mask the padding would be read as id 0: different numbers.
    plain = Sequential([Embedding(10, 3), LSTM(4)])
    plain.build((None, 6))
    plain.set_weights(weights(f["weights"]))
    assert not np.allclose(plain.predict(x, verbose=0), array(f["y"]), atol=1e-3)


@pytest.mark.parametrize("gen", [2, 3])
def test_padded_text_lstm_trains_as_keras(gen):
    f = fixture(gen, "train_mask_emb_lstm_seq_adam.json")
    model = Sequential([Embedding(40, 3, mask_zero=True), LSTM(4, return_sequences=True), Dense(2)])
    model.build((None, 6))
    model.set_weights(weights(f["initial_weights"]))
    model.compile(optimizer=Adam(learning_rate=0.01), loss="mean_squared_error")
    x, y = array(f["x"]), array(f["y"])
    steps = {s["step"]: s for s in f["steps"]}
    for step in range(1, 3):
        loss = model.train_on_batch(x, y)
        loss = loss[0] if isinstance(loss, (list, tuple)) else loss
        assert loss == pytest.approx(steps[step]["loss"], rel=1e-4, abs=1e-5)
        for got, want in zip(model.get_weights(), weights(steps[step]["weights"])):
            np.testing.assert_allclose(got, want, atol=1e-5, rtol=1e-4)


@pytest.mark.parametrize("gen", [2, 3])
def test_masking_layer_predicts_as_keras(gen):
    f = fixture(gen, "model_mask_masking_lstm_seq.json")
    model = Sequential([Masking(mask_value=0.0), LSTM(4, return_sequences=True)])
    model.build((None, 6, 3))
    model.set_weights(weights(f["weights"]))
    np.testing.assert_allclose(model.predict(array(f["x"]), verbose=0), array(f["y"]), atol=1e-5, rtol=1e-4)


def test_a_mask_reaching_softmax_is_refused_naming_the_layer():
    model = Sequential([Masking(), Softmax(name="probs")])
    with pytest.raises(SeqNNError, match="Softmax 'probs'.*mask"):
        model.build((None, 4, 3))
