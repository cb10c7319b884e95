"""Checks of Python arguments before they reach the C library, so a bad one raises a Python exception
instead of being converted silently (issue 15): ctypes wraps an int into int64_t (``epochs=2**63`` became
-2**63, ``batch_size=2**64`` became 0, "the default"), numpy truncates complex numbers to their real part
and parses strings as numbers, and a C string ends at the first NUL (``"a.h5\\0/evil.h5"`` saved ``a.h5``).

Wrong types raise ``SeqNNTypeError`` (a ``TypeError``), wrong values ``SeqNNValueError`` (a ``ValueError``),
with Python's or Keras's wording where they have one: ``'float' object cannot be interpreted as an integer``
(Python's ``range``, which Keras's fit loop uses), ``Invalid dtype: object`` (Keras 3's data adapters),
``embedded null byte`` (Python's ``open``).
"""
from __future__ import annotations

import math
import numbers
import operator
import os
from typing import Any, Optional

from ._errors import SeqNNTypeError, SeqNNValueError

INT64_MAX = 2**63 - 1


def integer(value: Any, name: str, minimum: int = 0, maximum: int = INT64_MAX) -> int:
    """``value`` as a Python int in [minimum, maximum] (what an int64_t field can hold by default).

    Anything ``operator.index`` accepts is an integer (int, numpy integers), as for ``range``; ``bool`` is
    refused because ``epochs=True`` is a mistake, not a count."""
    if isinstance(value, bool):
        raise SeqNNTypeError(f"{name} must be an integer, found {value!r}")
    try:
        n = operator.index(value)
    except TypeError:
        raise SeqNNTypeError(f"{name} must be an integer: '{type(value).__name__}' object cannot be interpreted as an "
                             f"integer (found {value!r})") from None
    if n < minimum:
        raise SeqNNValueError(f"{name} must be >= {minimum}, found {n}")
    if n > maximum:
        raise SeqNNValueError(f"{name} is out of range: at most {maximum}, found {n}")
    return n


def optional_integer(value: Any, name: str, minimum: int = 0, maximum: int = INT64_MAX) -> Optional[int]:
    return None if value is None else integer(value, name, minimum, maximum)


def real(value: Any, name: str, low: float, high: float, high_open: bool = True) -> float:
    """``value`` as a float in [low, high) (or [low, high]); a str, bool or complex is a TypeError."""
    if isinstance(value, (bool, str, bytes)) or not isinstance(value, numbers.Real):
        raise SeqNNTypeError(f"{name} must be a real number, found {type(value).__name__} {value!r}")
    v = float(value)
    if math.isnan(v) or v < low or v > high or (high_open and v == high):
        raise SeqNNValueError(f"{name} must be in [{low:g}, {high:g}{')' if high_open else ']'}, found {value!r}")
    return v


def path(filepath: Any, what: str = "filepath") -> bytes:
    """A file path as the bytes the library opens: str, bytes or os.PathLike, without NUL (which would end
    the C string early and name another file)."""
    try:
        p = os.fspath(filepath)
    except TypeError:
        raise SeqNNTypeError(f"{what} must be a str, bytes or os.PathLike object, not "
                             f"{type(filepath).__name__}") from None
    raw = os.fsencode(p)
    if b"\0" in raw:
        raise SeqNNValueError(f"{what}: embedded null byte in {p!r}")
    if not raw:
        raise SeqNNValueError(f"{what} is empty")
    return raw


#: numpy dtype kinds that are real numbers: bool, signed and unsigned integers, floats.
_REAL_KINDS = "biuf"


def check_dtype(dtype: Any, what: str) -> None:
    """Refuses arrays float32 cannot hold faithfully by kind: complex (numpy would drop the imaginary
    part), object, strings, bytes, dates. Keras 3 refuses object and string arrays with this message."""
    if dtype.kind not in _REAL_KINDS:
        hint = ("the imaginary part would be lost" if dtype.kind == "c" else
                "SeqNN takes arrays of real numbers (bool, int or float)")
        raise SeqNNValueError(f"Invalid dtype: {dtype} ({what}: {hint})")
