"""SeqNN's exceptions: one base class, and subclasses that are also the built-in exception a Python
programmer expects (``ValueError`` for bad arguments and data, ``OSError`` for files), chosen from the
library's status code. Each carries the library's message (what was expected, what was found, where).

Exported from the package as ``seqnn.SeqNNError`` etc.
"""
from __future__ import annotations

from typing import Dict, Optional, Type

__all__ = [
    "SeqNNError", "SeqNNValueError", "ShapeMismatchError", "UnsupportedError", "FormatError", "SeqNNOSError",
    "SeqNNFileNotFoundError", "NotCompiledError", "NotBuiltError", "NumericError", "SeqNNMemoryError",
    "CallbackStoppedError", "BusyError", "BufferTooSmallError", "InternalError", "LibraryNotFoundError",
]


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
    status = 1


class ShapeMismatchError(SeqNNValueError):
    """SEQNN_SHAPE_MISMATCH: sizes that do not agree with the model."""
    status = 2


class UnsupportedError(SeqNNValueError, NotImplementedError):
    """SEQNN_UNSUPPORTED: a Keras feature SeqNN does not implement (also a ``NotImplementedError``)."""
    status = 3


class FormatError(SeqNNValueError, OSError):
    """SEQNN_FORMAT_ERROR: a malformed JSON config or model file (a ``ValueError`` and an ``OSError``)."""
    status = 4


class SeqNNOSError(SeqNNError, OSError):
    """SEQNN_IO_ERROR: the file system refused."""
    status = 5


class SeqNNFileNotFoundError(SeqNNOSError, FileNotFoundError):
    """SEQNN_IO_ERROR for a file that does not exist."""


class NotCompiledError(SeqNNValueError):
    """SEQNN_NOT_COMPILED: fit/evaluate/train before compile (Keras raises ValueError too)."""
    status = 6


class SeqNNMemoryError(SeqNNError, MemoryError):
    """SEQNN_OUT_OF_MEMORY."""
    status = 7


class CallbackStoppedError(SeqNNError, RuntimeError):
    """SEQNN_CALLBACK_STOPPED without a Python exception to re-raise (a C-level callback said stop)."""
    status = 8


class BusyError(SeqNNError, RuntimeError):
    """SEQNN_BUSY: another call is using the model, or a change was attempted from inside ``fit``."""
    status = 9


class NotBuiltError(SeqNNValueError):
    """SEQNN_NOT_BUILT: the model's input shape is unknown."""
    status = 10


class NumericError(SeqNNValueError):
    """SEQNN_NUMERIC_ERROR: NaN or Inf in the data or weights."""
    status = 11


class BufferTooSmallError(SeqNNError, RuntimeError):
    """SEQNN_BUFFER_TOO_SMALL (a binding bug if it ever escapes)."""
    status = 12


class InternalError(SeqNNError, RuntimeError):
    """SEQNN_INTERNAL_ERROR: a bug in SeqNN; the message says where."""
    status = 13


class LibraryNotFoundError(SeqNNError, OSError):
    """libseqnn.so could not be found or loaded, or it is too old for this binding."""


_BY_STATUS: Dict[int, Type[SeqNNError]] = {
    1: SeqNNValueError, 2: ShapeMismatchError, 3: UnsupportedError, 4: FormatError, 5: SeqNNOSError,
    6: NotCompiledError, 7: SeqNNMemoryError, 8: CallbackStoppedError, 9: BusyError, 10: NotBuiltError,
    11: NumericError, 12: BufferTooSmallError, 13: InternalError,
}


def error_for_status(status: int, message: str, status_name: str = "") -> SeqNNError:
    """The exception object for a C status code and message."""
    cls = _BY_STATUS.get(status, SeqNNError)
    return cls(message, status, status_name)
