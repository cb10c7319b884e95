"""Issue 15 from Python: SeqNN's files carry checksums a load verifies, a save refuses what a load would refuse
and leaves the earlier file and no temporary behind (the kill loop and full disk: Tests/c/test_save_safety.c)."""
from __future__ import annotations

import numpy as np
import pytest

import seqnn
from seqnn.keras.layers import Dense
from seqnn.keras.models import Sequential, load_model


def model(seed=5):
    m = Sequential([Dense(16, activation="relu", input_shape=(8,)), Dense(2, activation="softmax")], seed=seed)
    m.compile("adam", "categorical_crossentropy")
    return m


@pytest.mark.parametrize("name", ["m.h5", "m.keras"])
def test_a_flipped_bit_in_a_weight_is_an_error_naming_the_damage(tmp_path, name):
    m = model()
    path = tmp_path / name
    m.save(path)
    data = bytearray(path.read_bytes())
    kernel = m.get_weights()[0].astype("<f4").tobytes()
    at = data.find(kernel[:32])
    assert at > 0
    data[at + 100] ^= 0x04
    path.write_bytes(bytes(data))
    # .h5: the checksums (or Fletcher-32) name the dataset; .keras: the zip CRC-32 names the entry first
    with pytest.raises(seqnn.FormatError, match="damaged|corrupt"):
        load_model(path)


@pytest.mark.parametrize("name", ["m.h5", "m.keras"])
def test_an_unloadable_learning_rate_is_refused_and_the_old_file_stays(tmp_path, name):
    path = tmp_path / name
    model(1).save(path)
    before = path.read_bytes()
    m = model(2)
    with pytest.raises(seqnn.SeqNNError, match="learning_rate|learning rate"):
        m.compile(seqnn.optimizers.SGD(learning_rate=1e308), "mse")   # inf as float32: refused here or at save
        m.save(path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]
    np.testing.assert_array_equal(load_model(path).get_weights()[0], model(1).get_weights()[0])


def test_a_missing_folder_is_an_os_error_naming_it(tmp_path):
    with pytest.raises(OSError, match="nowhere"):
        model().save(tmp_path / "nowhere" / "m.h5")
