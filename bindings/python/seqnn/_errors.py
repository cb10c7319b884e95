"""SeqNN's exceptions: one base class, and subclasses that are also the built-in exception a Python
programmer expects (``ValueError`` for bad arguments and data, ``OSError`` for files), chosen from the
library's status code. Each carries the library's message (what was expected, what was found, where).

Exported from the package as ``seqnn.SeqNNError`` etc.
"""
from __future__ import annotations

import enum
from typing import Dict, Optional, Type

__all__ = [
    "Status", "SeqNNError", "SeqNNValueError", "SeqNNTypeError", "ShapeMismatchError", "UnsupportedError", "FormatError", "SeqNNOSError",
    "SeqNNFileNotFoundError", "NotCompiledError", "NotBuiltError", "NumericError", "SeqNNMemoryError",
    "CallbackStoppedError", "BusyError", "BufferTooSmallError", "InternalError", "LibraryNotFoundError",
]


class Status(enum.IntEnum):
    """``seqnn_status`` of ``seqnn.h``, name for name and number for number: the binding's one table of
    status codes (``_ffi.SEQNN_*`` are these members; each exception class below names its member).
    Tests/python/test_status_table.py checks it against the header. Members are ints, so
    ``error.status == Status.SEQNN_BUSY`` and ``error.status == 9`` both hold."""

    SEQNN_OK = 0
    SEQNN_INVALID_ARGUMENT = 1
    SEQNN_SHAPE_MISMATCH = 2
    SEQNN_UNSUPPORTED = 3
    SEQNN_FORMAT_ERROR = 4
    SEQNN_IO_ERROR = 5
    SEQNN_NOT_COMPILED = 6
    SEQNN_OUT_OF_MEMORY = 7
    SEQNN_CALLBACK_STOPPED = 8
    SEQNN_BUSY = 9
    SEQNN_NOT_BUILT = 10
    SEQNN_NUMERIC_ERROR = 11
    SEQNN_BUFFER_TOO_SMALL = 12
    SEQNN_INTERNAL_ERROR = 13


class SeqNNError(Exception):
    """The base of every error SeqNN raises.

    Attributes:
        status: the ``seqnn_status`` code from the C library (0 when the error arose in Python).
        status_name: the library's short text for that code ("invalid argument", ...).
        message: the library's message.
    """

    status: int = 0
    status_name: str = ""

    def __init__(self, message: str = "", status: Optional[int] = None, status_name: str = "") -> None:
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status
        if status_name:
            self.status_name = status_name

    def __str__(self) -> str:
        return self.message


class SeqNNValueError(SeqNNError, ValueError):
    """SEQNN_INVALID_ARGUMENT: a bad value, an unknown name (activation, loss, optimizer, ...)."""
    status = Status.SEQNN_INVALID_ARGUMENT


class SeqNNTypeError(SeqNNError, TypeError):
    """An argument of the wrong type (``epochs="2"``, ``validation_split="0.2"``), refused in Python before
    anything reaches the library, as Python refuses ``range("2")``. Status SEQNN_INVALID_ARGUMENT."""
    status = Status.SEQNN_INVALID_ARGUMENT


class ShapeMismatchError(SeqNNValueError):
    """SEQNN_SHAPE_MISMATCH: sizes that do not agree with the model."""
    status = Status.SEQNN_SHAPE_MISMATCH


class UnsupportedError(SeqNNValueError, NotImplementedError):
    """SEQNN_UNSUPPORTED: a Keras feature SeqNN does not implement (also a ``NotImplementedError``)."""
    status = Status.SEQNN_UNSUPPORTED


class FormatError(SeqNNValueError, OSError):
    """SEQNN_FORMAT_ERROR: a malformed JSON config or model file (a ``ValueError`` and an ``OSError``)."""
    status = Status.SEQNN_FORMAT_ERROR


class SeqNNOSError(SeqNNError, OSError):
    """SEQNN_IO_ERROR: the file system refused."""
    status = Status.SEQNN_IO_ERROR


class SeqNNFileNotFoundError(SeqNNOSError, FileNotFoundError):
    """SEQNN_IO_ERROR for a file that does not exist."""


class NotCompiledError(SeqNNValueError):
    """SEQNN_NOT_COMPILED: fit/evaluate/train before compile (Keras raises ValueError too)."""
    status = Status.SEQNN_NOT_COMPILED


class SeqNNMemoryError(SeqNNError, MemoryError):
    """SEQNN_OUT_OF_MEMORY."""
    status = Status.SEQNN_OUT_OF_MEMORY


class CallbackStoppedError(SeqNNError, RuntimeError):
    """SEQNN_CALLBACK_STOPPED without a Python exception to re-raise (a C-level callback said stop)."""
    status = Status.SEQNN_CALLBACK_STOPPED


class BusyError(SeqNNError, RuntimeError):
    """SEQNN_BUSY: another call is using the model, or a change was attempted from inside ``fit``."""
    status = Status.SEQNN_BUSY


class NotBuiltError(SeqNNValueError):
    """SEQNN_NOT_BUILT: the model's input shape is unknown."""
    status = Status.SEQNN_NOT_BUILT


class NumericError(SeqNNValueError):
    """SEQNN_NUMERIC_ERROR: NaN or Inf in the data or weights."""
    status = Status.SEQNN_NUMERIC_ERROR


class BufferTooSmallError(SeqNNError, RuntimeError):
    """SEQNN_BUFFER_TOO_SMALL (a binding bug if it ever escapes)."""
    status = Status.SEQNN_BUFFER_TOO_SMALL


class InternalError(SeqNNError, RuntimeError):
    """SEQNN_INTERNAL_ERROR: a bug in SeqNN; the message says where."""
    status = Status.SEQNN_INTERNAL_ERROR


class LibraryNotFoundError(SeqNNError, OSError):
    """libseqnn.so could not be found or loaded, or it is too old for this binding."""


#: The exception class of each failure status, from the classes' own ``status`` (so the numbers are written
#: once, in ``Status``). SeqNNFileNotFoundError shares SEQNN_IO_ERROR and is chosen by the caller.
_BY_STATUS: Dict[int, Type[SeqNNError]] = {cls.status: cls for cls in (
    SeqNNValueError, ShapeMismatchError, UnsupportedError, FormatError, SeqNNOSError, NotCompiledError,
    SeqNNMemoryError, CallbackStoppedError, BusyError, NotBuiltError, NumericError, BufferTooSmallError,
    InternalError)}


def error_for_status(status: int, message: str, status_name: str = "") -> SeqNNError:
    """The exception object for a C status code and message."""
    cls = _BY_STATUS.get(status, SeqNNError)
    return cls(message, status, status_name)
