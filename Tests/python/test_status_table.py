"""The binding's status table (seqnn._errors.Status, the _ffi.SEQNN_* constants and the exception classes)
against the source of truth, the ``seqnn_status`` enum of Include/seqnn.h: same names, same numbers,
nothing missing or extra; and seqnn_status_string gives each its own text."""
from __future__ import annotations

import re

import pytest

import seqnn
from seqnn import _errors, _ffi
from seqnn._errors import Status

from conftest import REPO


def header_statuses():
    """(name, value) of each enumerator of ``typedef enum seqnn_status {...}``, comments removed first."""
    text = re.sub(r"/\*.*?\*/", "", (REPO / "Include" / "seqnn.h").read_text(), flags=re.S)
    body = re.search(r"typedef\s+enum\s+seqnn_status\s*\{(.*?)\}", text, flags=re.S)
    assert body, "seqnn.h has no typedef enum seqnn_status { ... }"
    out = []
    for item in body.group(1).split(","):
        item = item.strip()
        if not item:
            continue
        m = re.fullmatch(r"([A-Z_]+)\s*=\s*(\d+)", item)
        assert m, f"seqnn_status: {item!r} is not NAME = number"
        out.append((m.group(1), int(m.group(2))))
    return out


def test_header_enum_is_read():
    statuses = header_statuses()
    assert statuses[0] == ("SEQNN_OK", 0)
    assert ("SEQNN_INTERNAL_ERROR", 13) in statuses and len(statuses) >= 14


def test_python_table_matches_the_header():
    header = header_statuses()
    assert len({n for n, _ in header}) == len(header) and len({v for _, v in header}) == len(header)
    assert {m.name: m.value for m in Status} == dict(header)
    assert [m.name for m in Status] == [n for n, _ in header]      # same order too, for readers


def test_ffi_constants_are_the_table():
    for name, value in header_statuses():
        assert getattr(_ffi, name) == value and getattr(_ffi, name) is Status[name]


def test_every_failure_status_has_its_exception_class():
    for status in Status:
        err = _errors.error_for_status(int(status), "message")
        if status == Status.SEQNN_OK:
            assert type(err) is seqnn.SeqNNError           # no class claims success
            continue
        assert type(err) is not seqnn.SeqNNError, status.name
        assert type(err).status == status and err.status == status
    # the mapping has nothing beyond the table
    assert set(_errors._BY_STATUS) == {int(s) for s in Status if s != Status.SEQNN_OK}
    assert type(_errors.error_for_status(99, "m")) is seqnn.SeqNNError


def test_status_strings(lib):
    texts = {}
    for status in Status:
        text = lib.seqnn_status_string(int(status)).decode()
        assert text and text != "unknown status", status.name
        texts[status] = text
    assert len(set(texts.values())) == len(texts), "two statuses share a text"
    assert texts[Status.SEQNN_OK] == "ok" and texts[Status.SEQNN_INVALID_ARGUMENT] == "invalid argument"
    for outside in (-1, len(Status), 1000):
        assert lib.seqnn_status_string(outside).decode() == "unknown status"


def test_errors_carry_the_library_status_and_text():
    with pytest.raises(seqnn.SeqNNValueError) as e:
        seqnn.set_num_threads(0)                       # refused by the library, not by Python
    assert e.value.status == Status.SEQNN_INVALID_ARGUMENT and e.value.status_name == "invalid argument"
    with pytest.raises(seqnn.NotCompiledError) as e:
        seqnn.Sequential([seqnn.layers.Dense(2, input_shape=(3,))]).train_on_batch([[1, 2, 3]], [[1, 2]])
    assert e.value.status == Status.SEQNN_NOT_COMPILED and e.value.status_name == "not compiled"
