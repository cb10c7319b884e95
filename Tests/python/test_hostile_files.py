"""Issue 15: a damaged or hostile model file gives a Python exception, never a dead interpreter; the trusted
path and the limits are keywords of load_model / load_weights."""
import os
from pathlib import Path

import numpy as np
import pytest

import seqnn
from seqnn import models

FIX = Path(__file__).resolve().parents[1] / "SeqNNFileTests" / "Fixtures"


def test_a_file_that_crashes_libhdf5_raises_instead_of_killing_python():
    with pytest.raises(ValueError, match="damaged or hostile: reading it crashed libhdf5"):
        models.load_model(FIX / "hostile" / "libhdf5_crash.h5")


def test_a_file_that_hangs_libhdf5_is_stopped_at_the_time_limit():
    with pytest.raises(ValueError, match="did not finish in 1 s"):
        models.load_model(FIX / "hostile" / "libhdf5_hang.h5", time_limit=1)


@pytest.mark.parametrize("name,words", [("external_storage.h5", "external files"), ("external_link.h5", "external link"),
                                        ("virtual_dataset.h5", "virtual dataset")])
def test_files_reading_outside_themselves_are_refused(name, words):
    for trusted in (False, True):
        with pytest.raises(ValueError, match=words):
            models.load_model(FIX / "hostile" / name, trusted=trusted)


def test_memory_limit_and_trusted_path():
    path = FIX / "keras3" / "mlp_rmsprop.h5"
    with pytest.raises(MemoryError, match="memory limit"):
        models.load_model(path, memory_limit=100)
    a = models.load_model(path)
    b = models.load_model(path, trusted=True)
    x = np.random.default_rng(0).standard_normal((3, 10)).astype(np.float32)
    np.testing.assert_array_equal(a.predict(x, verbose=0), b.predict(x, verbose=0))
    b.load_weights(path, trusted=True)
    a.load_weights(path, memory_limit=1 << 20, time_limit=5)
    with pytest.raises(TypeError):
        models.load_model(path, trusted="yes")
    with pytest.raises(ValueError):
        models.load_model(path, time_limit=-1)


def test_layer_names_with_format_directives_and_dots_round_trip(tmp_path):
    from seqnn import layers
    m = models.Sequential([layers.Input(shape=(3,)), layers.Dense(2, name="a%s%n{}\\x"), layers.Dense(1, name="..")])
    for ext in ("h5", "keras"):
        m.save(tmp_path / f"names.{ext}")
        r = models.load_model(tmp_path / f"names.{ext}")
        assert [lyr.name for lyr in r.layers] == ["a%s%n{}\\x", ".."]
        np.testing.assert_array_equal(r.get_weights()[0], m.get_weights()[0])
    with pytest.raises(ValueError, match="without '/'"):
        layers.Dense(2, name="a/b")
        models.Sequential([layers.Input(shape=(3,)), layers.Dense(2, name="a/b")])
