"""SeqNN from Python: Keras-style Sequential neural networks on the SeqNN C library (``libseqnn.so``).

Keras code runs with its imports changed::

    from seqnn.keras.models import Sequential      # was: from keras.models import Sequential
    from seqnn.keras.layers import Dense, Activation

The package is pure Python over ctypes and numpy; the library is found as described in ``seqnn._ffi``
(``$SEQNN_LIBRARY``, the package's own copy, the repository's ``.build/install/lib``, the system loader).
Models saved here are Keras ``.h5`` files that the C API, Keras 2 and Keras 3 load.
"""
from __future__ import annotations

from . import (activations, backend, callbacks, initializers, layers, losses, metrics, models, ops, optimizers,
               regularizers, utils)
from ._errors import (BufferTooSmallError, BusyError, CallbackStoppedError, FormatError, InternalError,
                      LibraryNotFoundError, NotBuiltError, NotCompiledError, NumericError, SeqNNError,
                      SeqNNFileNotFoundError, SeqNNMemoryError, SeqNNOSError, SeqNNTypeError, SeqNNValueError,
                      ShapeMismatchError,
                      Status, UnsupportedError)
from .layers import Input
from .models import Sequential, load_model, save_model

__version__ = "0.1.0"

__all__ = ["Sequential", "Input", "load_model", "save_model", "activations", "backend", "callbacks", "initializers",
           "layers", "losses", "metrics", "models", "ops", "optimizers", "regularizers", "utils", "keras",
           "SeqNNError", "SeqNNValueError", "SeqNNTypeError", "ShapeMismatchError", "UnsupportedError", "FormatError", "SeqNNOSError",
           "SeqNNFileNotFoundError", "NotCompiledError", "NotBuiltError", "NumericError", "SeqNNMemoryError",
           "CallbackStoppedError", "BusyError", "BufferTooSmallError", "InternalError", "LibraryNotFoundError",
           "Status", "library_version", "library_path", "abi_version", "set_num_threads", "kernel_backend"]


def library_version() -> str:
    """The loaded library's version (``seqnn_version()``), e.g. "0.1.0"."""
    from . import _ffi
    return _ffi.decode(_ffi.lib().seqnn_version())


def abi_version() -> int:
    """The loaded library's ABI version (``seqnn_abi_version()``)."""
    from . import _ffi
    return int(_ffi.lib().seqnn_abi_version())


def kernel_backend() -> str:
    """The instruction-set path every kernel runs on (``seqnn_backend()``): "avx512", "avx2" or "portable",
    decided once per process from the CPU and ``$SEQNN_BACKEND`` (which can only lower it). (Not named
    ``backend``: that is Keras's ``seqnn.backend`` module.)"""
    from . import _ffi
    return _ffi.decode(_ffi.lib().seqnn_backend())


def library_path() -> str:
    """The file ``libseqnn.so`` was loaded from."""
    from . import _ffi
    return _ffi.library_path()


def set_num_threads(n: int) -> None:
    """Sets the number of threads for matrix products (process-wide). The default is 1, unless
    OPENBLAS_NUM_THREADS / OMP_NUM_THREADS was set when the library first loaded OpenBLAS."""
    from . import _ffi
    _ffi.check(_ffi.lib().seqnn_set_num_threads(int(n)))


def __getattr__(name: str):  # lazy: seqnn.keras imports the whole Keras-shaped tree
    if name == "keras":
        import importlib
        return importlib.import_module(".keras", __name__)
    raise AttributeError(f"module 'seqnn' has no attribute {name!r}")
