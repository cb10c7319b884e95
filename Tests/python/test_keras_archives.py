"""Hostile and damaged `.keras` archives (format §13): each is refused with a clear error naming the file and
what is wrong, nothing is extracted anywhere, and the process survives. The archives are made here with the
standard library's zipfile from a real Keras 3 archive (Tests/SeqNNFileTests/Fixtures/keras3_archive)."""
from __future__ import annotations

import io
import json
import os
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pytest

import seqnn
from seqnn.keras.models import load_model

REPO = Path(__file__).resolve().parents[2]
GOOD = REPO / "Tests" / "SeqNNFileTests" / "Fixtures" / "keras3_archive" / "mlp_rmsprop.keras"


def parts():
    with zipfile.ZipFile(GOOD) as z:
        return {n: z.read(n) for n in z.namelist()}


def write(path, entries, compression=zipfile.ZIP_STORED):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")   # zipfile warns about duplicate names
        with zipfile.ZipFile(path, "w", compression=compression) as z:
            for name, data in entries:
                z.writestr(name, data)
    return path


def refused(path, *words, kind=seqnn.SeqNNError):
    with pytest.raises(kind) as e:
        load_model(path)
    message = str(e.value)
    for w in words:
        assert w in message, message
    return message


def test_the_real_archive_loads():
    assert load_model(GOOD).count_params() > 0


def test_a_zip_bomb_is_refused_before_it_is_inflated(tmp_path):
    p = parts()
    bomb = write(tmp_path / "bomb.keras", [("metadata.json", p["metadata.json"]), ("config.json", b" " * (40 << 20)),
                                           ("model.weights.h5", p["model.weights.h5"])], zipfile.ZIP_DEFLATED)
    assert bomb.stat().st_size < 1 << 20
    refused(bomb, "zip bomb", "config.json", str(bomb))


def test_a_config_larger_than_any_model_needs_is_refused(tmp_path):
    p = parts()
    big = write(tmp_path / "big.keras", [("config.json", b" " * (65 << 20)), ("model.weights.h5", p["model.weights.h5"])])
    refused(big, "config.json", "more than")


def test_a_config_nested_deeper_than_any_model_is_refused(tmp_path):
    p = parts()
    deep = write(tmp_path / "deep.keras", [("config.json", b"[" * 100_000), ("model.weights.h5", p["model.weights.h5"])])
    refused(deep, "config.json", "deep", kind=seqnn.FormatError)


@pytest.mark.parametrize("name", ["../evil.txt", "/etc/evil.txt", "a/../../evil.txt", "dir\\evil.txt"])
def test_entries_that_escape_are_refused_and_nothing_is_written(tmp_path, name):
    p = parts()
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        hostile = write(tmp_path / "escape.keras", list(p.items()) + [(name, b"owned")])
        refused(hostile, "not a plain relative path")
        assert not (tmp_path.parent / "evil.txt").exists() and not Path("/etc/evil.txt").exists()
        assert sorted(os.listdir(tmp_path)) == ["escape.keras"]
    finally:
        os.chdir(cwd)


def test_duplicate_entries_are_refused(tmp_path):
    p = parts()
    other = json.loads(p["config.json"])
    other["config"]["layers"][1]["config"]["units"] = 4
    dup = write(tmp_path / "dup.keras", list(p.items()) + [("config.json", json.dumps(other).encode())])
    refused(dup, "twice")


@pytest.mark.parametrize("keep", [0.5, 0.9, 0.99])
def test_a_truncated_archive_is_refused(tmp_path, keep):
    data = GOOD.read_bytes()
    cut = tmp_path / "cut.keras"
    cut.write_bytes(data[: int(len(data) * keep)])
    refused(cut, str(cut))


def test_corrupt_entry_data_is_refused(tmp_path):
    data = bytearray(GOOD.read_bytes())
    with zipfile.ZipFile(GOOD) as z:
        info = z.getinfo("model.weights.h5")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    for i in range(start + 2000, start + 2064):   # inside the stored HDF5 bytes: its CRC no longer matches
        data[i] ^= 0x5A
    bad = tmp_path / "crc.keras"
    bad.write_bytes(bytes(data))
    refused(bad, "model.weights.h5")


def swap_layer(config: bytes, index: int, new: dict) -> bytes:
    c = json.loads(config)
    c["config"]["layers"][index] = new
    return json.dumps(c).encode()


def test_lambda_and_custom_classes_are_refused_by_name(tmp_path):
    p = parts()
    lam = {"module": "keras.layers", "class_name": "Lambda", "registered_name": None,
           "config": {"name": "lambda", "function": {"class_name": "__lambda__", "config": {"code": "4wEAAAAAAAAA"}}}}
    path = write(tmp_path / "lambda.keras", [("config.json", swap_layer(p["config.json"], 1, lam)),
                                             ("model.weights.h5", p["model.weights.h5"])])
    refused(path, "Lambda", kind=seqnn.UnsupportedError)
    custom = {"module": None, "class_name": "MyDense", "registered_name": "Custom>MyDense", "config": {"name": "my_dense", "units": 8}}
    path = write(tmp_path / "custom.keras", [("config.json", swap_layer(p["config.json"], 1, custom)),
                                             ("model.weights.h5", p["model.weights.h5"])])
    refused(path, "MyDense", kind=seqnn.UnsupportedError)


def test_archives_missing_their_parts_say_which(tmp_path):
    p = parts()
    refused(write(tmp_path / "noconfig.keras", [("model.weights.h5", p["model.weights.h5"])]), "config.json")
    refused(write(tmp_path / "npz.keras", [("config.json", p["config.json"]), ("model.weights.npz", b"\0" * 64)]),
            "model.weights.npz", kind=seqnn.UnsupportedError)
    refused(write(tmp_path / "notweights.keras", [("config.json", p["config.json"]), ("model.weights.h5", b"hello")]),
            "not an HDF5 file")
    refused(write(tmp_path / "empty.keras", []), "config.json")


def test_the_process_survives_all_of_it_and_still_works(tmp_path):
    m = load_model(GOOD)
    x = np.ones((2, 6), np.float32)
    assert np.isfinite(m.predict(x, verbose=0)).all()
    m.save(tmp_path / "ok.keras")
    assert np.array_equal(load_model(tmp_path / "ok.keras").predict(x, verbose=0), m.predict(x, verbose=0))
