"""The ctypes layer: finds and loads ``libseqnn.so`` and declares every function of ``Include/seqnn.h``.

Everything else in the package goes through :func:`lib` and the helpers here; nothing outside this file
touches ``ctypes.CDLL`` directly. Underscored module: not API.

Where the library comes from, first match wins:

1. ``$SEQNN_LIBRARY`` - a path to ``libseqnn.so`` or to the folder holding it. If it is set and does not
   load, that is an error (no silent fallback to some other copy).
2. the package's own copy, ``seqnn/_lib/libseqnn.so`` (put there by ``pip install``),
3. the repository's build folder ``.build/install/lib`` (where ``tools/build.sh`` puts the shipped form;
   found by walking up from this file to the folder that has ``Package.swift`` and ``Include/seqnn.h``),
   as in a checkout or an editable install,
4. the system loader (``libseqnn.so.0``, ``libseqnn.so``, ``ctypes.util.find_library("seqnn")``).

Rules kept here (ARCHITECTURE §3): ``argtypes`` and ``restype`` on every function (the default ``int``
restype truncates handles); float arrays through ``ndpointer(float32, C_CONTIGUOUS)`` so a wrong array
is refused instead of misread; option structs are filled by the library's own ``*_init`` function.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import os
import threading
from ctypes import (CFUNCTYPE, POINTER, Structure, c_char, c_char_p, c_double, c_float, c_int, c_int32,
                    c_int64, c_size_t, c_uint64, c_void_p)
from pathlib import Path
from typing import Any, Iterator, List, Optional, Sequence, Tuple

import numpy as np
from numpy.ctypeslib import ndpointer

from . import _args, _errors
from ._errors import LibraryNotFoundError, SeqNNError, Status, error_for_status

#: The SEQNN_ABI_VERSION of the header this binding was written against. A library with a smaller ABI
#: version lacks functions used here; a larger one is fine (the ABI is only ever appended to).
ABI_VERSION = 3   # 2: seqnn_layer_class_names (the layer classes of seqnn.layers), seqnn_backend, seqnn_model_adapt_layer;
#                   3: batch hooks and batch sources (fit/evaluate/predict from generators and PyDatasets)

# The status codes, as module constants (``_ffi.SEQNN_OK``, ...): the members of ``_errors.Status``, the
# binding's one status table, so no number is written twice.
globals().update(Status.__members__)

# --------------------------------------------------------------------------------------------------
# Types of seqnn.h
# --------------------------------------------------------------------------------------------------

F32 = ndpointer(dtype=np.float32, flags="C_CONTIGUOUS")
F32_OUT = ndpointer(dtype=np.float32, flags=("C_CONTIGUOUS", "WRITEABLE"))
F64_OUT = ndpointer(dtype=np.float64, flags=("C_CONTIGUOUS", "WRITEABLE"))
I64 = ndpointer(dtype=np.int64, flags="C_CONTIGUOUS")

# typedef int (*seqnn_metric_fn)(void *user_data, const float *y_true, const float *y_pred,
#                                int64_t batch, int64_t pred_dim, int64_t true_dim, double *result);
METRIC_FN = CFUNCTYPE(c_int, c_void_p, POINTER(c_float), POINTER(c_float), c_int64, c_int64, c_int64,
                      POINTER(c_double))
# typedef void (*seqnn_log_fn)(void *user_data, const char *text);
LOG_FN = CFUNCTYPE(None, c_void_p, c_char_p)
# typedef int (*seqnn_epoch_fn)(void *user_data, int64_t epoch, const char *const *names,
#                               const double *values, size_t count);
EPOCH_FN = CFUNCTYPE(c_int, c_void_p, c_int64, POINTER(c_char_p), POINTER(c_double), c_size_t)
# typedef int (*seqnn_batch_hook_fn)(void *user_data, int32_t phase, int32_t end, int64_t batch,
#     const char *const *names, const double *values, size_t count, const float *outputs, size_t outputs_len);
BATCH_HOOK_FN = CFUNCTYPE(c_int, c_void_p, c_int32, c_int32, c_int64, POINTER(c_char_p), POINTER(c_double), c_size_t,
                          POINTER(c_float), c_size_t)
# typedef int (*seqnn_batch_fn)(void *user_data, int64_t batch_index, float *x, float *y, size_t y_width,
#                               float *sample_weight, int64_t *rows);
BATCH_FN = CFUNCTYPE(c_int, c_void_p, c_int64, POINTER(c_float), POINTER(c_float), c_size_t, POINTER(c_float),
                     POINTER(c_int64))
END_PASS_FN = CFUNCTYPE(None, c_void_p)


class FitOptions(Structure):
    """``seqnn_fit_options``, field for field."""
    _fields_ = [
        ("struct_size", c_size_t),
        ("epochs", c_int64),
        ("batch_size", c_int64),
        ("shuffle", c_int32),
        ("verbose", c_int32),
        ("validation_split", c_double),
        ("validation_x", c_void_p),
        ("validation_x_len", c_size_t),
        ("validation_y", c_void_p),
        ("validation_y_len", c_size_t),
        ("initial_epoch", c_int64),
        ("sample_weight", c_void_p),
        ("sample_weight_len", c_size_t),
        ("class_weight", c_void_p),
        ("class_weight_len", c_size_t),
        ("log", LOG_FN),
        ("log_user_data", c_void_p),
        ("on_epoch_end", EPOCH_FN),
        ("epoch_user_data", c_void_p),
        ("on_batch", BATCH_HOOK_FN),
        ("batch_user_data", c_void_p),
        ("validation_source", c_void_p),
    ]


class BatchSource(Structure):
    """``seqnn_batch_source``, field for field."""
    _fields_ = [
        ("struct_size", c_size_t),
        ("next_batch", BATCH_FN),
        ("user_data", c_void_p),
        ("steps", c_int64),
        ("max_rows", c_int64),
        ("indexable", c_int32),
        ("sample_weights", c_int32),
        ("end_pass", END_PASS_FN),
    ]


class RunOptions(Structure):
    """``seqnn_run_options``, field for field."""
    _fields_ = [
        ("struct_size", c_size_t),
        ("batch_size", c_int64),
        ("on_batch", BATCH_HOOK_FN),
        ("batch_user_data", c_void_p),
    ]


class LoadOptions(Structure):
    """``seqnn_load_options``, field for field."""
    _fields_ = [
        ("struct_size", c_size_t),
        ("trusted", c_int32),
        ("memory_limit", c_uint64),
        ("time_limit", c_double),
    ]


class SaveOptions(Structure):
    """``seqnn_save_options``, field for field."""
    _fields_ = [
        ("struct_size", c_size_t),
        ("include_optimizer", c_int32),
        ("keras2_optimizer_weights", c_int32),
        ("test_x", c_void_p),
        ("test_x_len", c_size_t),
    ]


# name: (restype, argtypes). Every function of seqnn.h, in the header's order.
PROTOTYPES = {
    "seqnn_version": (c_char_p, []),
    "seqnn_abi_version": (c_int, []),
    "seqnn_status_string": (c_char_p, [c_int]),
    "seqnn_last_error": (c_char_p, []),
    "seqnn_layer_class_names": (c_int, [POINTER(c_char), c_size_t, POINTER(c_size_t)]),
    "seqnn_set_num_threads": (c_int, [c_int]),
    "seqnn_model_create": (c_void_p, [c_uint64]),
    "seqnn_model_free": (None, [c_void_p]),
    "seqnn_model_last_error": (c_char_p, [c_void_p]),
    "seqnn_model_set_input": (c_int, [c_void_p, I64, c_size_t, c_int64]),
    "seqnn_model_add": (c_int, [c_void_p, c_char_p, c_char_p]),
    "seqnn_model_add_dense": (c_int, [c_void_p, c_int64, c_char_p]),
    "seqnn_model_add_activation": (c_int, [c_void_p, c_char_p]),
    "seqnn_model_add_dropout": (c_int, [c_void_p, c_float]),
    "seqnn_model_pop": (c_int, [c_void_p]),
    "seqnn_model_layer_count": (c_size_t, [c_void_p]),
    "seqnn_model_layer_name": (c_char_p, [c_void_p, c_size_t]),
    "seqnn_model_layer_class": (c_char_p, [c_void_p, c_size_t]),
    "seqnn_model_input_size": (c_int, [c_void_p, POINTER(c_size_t)]),
    "seqnn_model_output_size": (c_int, [c_void_p, POINTER(c_size_t)]),
    "seqnn_model_count_params": (c_int, [c_void_p, POINTER(c_size_t), POINTER(c_size_t)]),
    "seqnn_model_input_shape": (c_int, [c_void_p, POINTER(c_int64), c_size_t, POINTER(c_size_t), POINTER(c_int64)]),
    "seqnn_model_layer_output_shape": (c_int, [c_void_p, c_size_t, POINTER(c_int64), c_size_t, POINTER(c_size_t)]),
    "seqnn_model_is_compiled": (c_int, [c_void_p]),
    "seqnn_model_get_learning_rate": (c_int, [c_void_p, POINTER(c_double)]),
    "seqnn_model_get_iterations": (c_int, [c_void_p, POINTER(c_int64)]),
    "seqnn_model_set_learning_rate": (c_int, [c_void_p, c_double]),
    "seqnn_model_history": (c_int, [c_void_p, POINTER(c_void_p)]),
    "seqnn_model_reset_states": (c_int, [c_void_p]),
    "seqnn_blas_core": (c_char_p, []),
    "seqnn_backend": (c_char_p, []),
    "seqnn_model_summary": (c_int, [c_void_p, POINTER(c_char), c_size_t, POINTER(c_size_t)]),
    "seqnn_model_weight_count": (c_int, [c_void_p, c_size_t, POINTER(c_size_t)]),
    "seqnn_model_weight_shape": (c_int, [c_void_p, c_size_t, c_size_t, POINTER(c_int64), c_size_t,
                                         POINTER(c_size_t)]),
    "seqnn_model_get_weight": (c_int, [c_void_p, c_size_t, c_size_t, F32_OUT, c_size_t, POINTER(c_size_t)]),
    "seqnn_model_set_weight": (c_int, [c_void_p, c_size_t, c_size_t, F32, c_size_t]),
    "seqnn_model_adapt_layer": (c_int, [c_void_p, c_size_t, F32, c_size_t]),
    "seqnn_model_add_metric": (c_int, [c_void_p, c_char_p, METRIC_FN, c_void_p]),
    "seqnn_model_compile": (c_int, [c_void_p, c_char_p, c_char_p, c_char_p]),
    "seqnn_model_metric_count": (c_int, [c_void_p, POINTER(c_size_t)]),
    "seqnn_model_metric_name": (c_char_p, [c_void_p, c_size_t]),
    "seqnn_batch_source_init": (None, [c_void_p]),
    "seqnn_fit_options_init": (None, [c_void_p]),
    "seqnn_model_fit": (c_int, [c_void_p, F32, c_size_t, F32, c_size_t, c_void_p, POINTER(c_void_p)]),
    "seqnn_model_fit_source": (c_int, [c_void_p, c_void_p, c_void_p, POINTER(c_void_p)]),
    "seqnn_run_options_init": (None, [c_void_p]),
    "seqnn_model_evaluate_ex": (c_int, [c_void_p, F32, c_size_t, F32, c_size_t, c_void_p, F64_OUT, c_size_t,
                                        POINTER(c_size_t)]),
    "seqnn_model_predict_ex": (c_int, [c_void_p, F32, c_size_t, c_void_p, F32_OUT, c_size_t, POINTER(c_size_t)]),
    "seqnn_model_evaluate_source": (c_int, [c_void_p, c_void_p, c_void_p, F64_OUT, c_size_t, POINTER(c_size_t)]),
    "seqnn_model_predict_source": (c_int, [c_void_p, c_void_p, c_void_p, c_void_p, c_size_t, POINTER(c_size_t)]),
    "seqnn_model_evaluate": (c_int, [c_void_p, F32, c_size_t, F32, c_size_t, c_int64, F64_OUT, c_size_t,
                                     POINTER(c_size_t)]),
    "seqnn_model_predict": (c_int, [c_void_p, F32, c_size_t, c_int64, F32_OUT, c_size_t, POINTER(c_size_t)]),
    "seqnn_model_train_on_batch": (c_int, [c_void_p, F32, c_size_t, F32, c_size_t, F64_OUT, c_size_t,
                                           POINTER(c_size_t)]),
    "seqnn_history_free": (None, [c_void_p]),
    "seqnn_history_epochs": (c_size_t, [c_void_p]),
    "seqnn_history_key_count": (c_size_t, [c_void_p]),
    "seqnn_history_key": (c_char_p, [c_void_p, c_size_t]),
    "seqnn_history_get": (c_int, [c_void_p, c_char_p, F64_OUT, c_size_t, POINTER(c_size_t)]),
    "seqnn_save_options_init": (None, [c_void_p]),
    "seqnn_model_save": (c_int, [c_void_p, c_char_p, c_void_p]),
    "seqnn_model_load": (c_int, [c_char_p, c_uint64, POINTER(c_void_p)]),
    "seqnn_model_load_weights": (c_int, [c_void_p, c_char_p]),
    "seqnn_load_options_init": (None, [c_void_p]),
    "seqnn_model_load_ex": (c_int, [c_char_p, c_uint64, c_void_p, POINTER(c_void_p)]),
    "seqnn_model_load_weights_ex": (c_int, [c_void_p, c_char_p, c_void_p]),
    "seqnn_reader_main": (c_int, [c_char_p, c_uint64]),   # internal: the seqnn-reader process's entry point
    "seqnn_to_categorical": (c_int, [F32, c_size_t, c_int64, F32_OUT, c_size_t, POINTER(c_size_t),
                                     POINTER(c_int64)]),
}

# --------------------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------------------

LIBRARY_NAME = "libseqnn.so"
_PACKAGE_DIR = Path(__file__).resolve().parent

_lock = threading.Lock()
_lib: Optional[ctypes.CDLL] = None
_lib_path: Optional[str] = None


def package_library_path() -> Path:
    """Where ``pip install`` puts the package's own copy of the library."""
    return _PACKAGE_DIR / "_lib" / LIBRARY_NAME


def find_repository(start: Path = _PACKAGE_DIR) -> Optional[Path]:
    """The SeqNN checkout above ``start`` (the folder with ``Package.swift`` and ``Include/seqnn.h``)."""
    for d in [start, *start.parents]:
        if (d / "Package.swift").is_file() and (d / "Include" / "seqnn.h").is_file():
            return d
    return None


def _candidates() -> Iterator[Tuple[str, str]]:
    """(how it was found, path or loader name), in the order tried after $SEQNN_LIBRARY."""
    yield "the package's own copy", str(package_library_path())
    repo = find_repository()
    if repo is not None:
        yield "the repository's build folder", str(repo / ".build" / "install" / "lib" / LIBRARY_NAME)
    yield "the system loader", "libseqnn.so.0"
    yield "the system loader", LIBRARY_NAME
    found = ctypes.util.find_library("seqnn")   # slow (runs ldconfig): only when all else failed
    if found:
        yield "the system loader", found


def _open(path: str) -> ctypes.CDLL:
    return ctypes.CDLL(path, mode=ctypes.RTLD_LOCAL)


def _declare(cdll: ctypes.CDLL, path: str) -> None:
    for name, (restype, argtypes) in PROTOTYPES.items():
        try:
            fn = getattr(cdll, name)
        except AttributeError:
            raise LibraryNotFoundError(
                f"{path} does not export {name}(); it is not a SeqNN library of ABI version "
                f">= {ABI_VERSION}. Rebuild it (bash tools/build.sh) or point SEQNN_LIBRARY at a current one"
            ) from None
        fn.restype = restype
        fn.argtypes = argtypes


def _check_abi(cdll: ctypes.CDLL, path: str) -> None:
    abi = cdll.seqnn_abi_version()
    if abi < ABI_VERSION:
        version = cdll.seqnn_version().decode("utf-8", "replace")
        raise LibraryNotFoundError(
            f"{path} (SeqNN {version}) has ABI version {abi}, but this Python binding needs ABI version "
            f"{ABI_VERSION} or later. Rebuild the library (bash tools/build.sh), reinstall the package "
            f"(pip install ./bindings/python), or set SEQNN_LIBRARY to a newer libseqnn.so"
        )


def load_library(path: Optional[str] = None) -> ctypes.CDLL:
    """Loads and declares the library (once per process); see the module docstring for the search order."""
    global _lib, _lib_path
    with _lock:
        if _lib is not None and path is None:
            return _lib
        tried: List[str] = []
        explicit = path or os.environ.get("SEQNN_LIBRARY")
        cdll = None
        where = ""
        if explicit:
            p = Path(explicit)
            if p.is_dir():
                p = p / LIBRARY_NAME
            try:
                cdll = _open(str(p))
                where = str(p)
            except OSError as e:
                raise LibraryNotFoundError(
                    f"SEQNN_LIBRARY={explicit} could not be loaded: {e}") from None
        else:
            for how, cand in _candidates():
                if os.sep in cand and not os.path.exists(cand):
                    tried.append(f"{cand} ({how}): not found")
                    continue
                try:
                    cdll = _open(cand)
                    where = cand
                    break
                except OSError as e:
                    tried.append(f"{cand} ({how}): {e}")
        if cdll is None:
            raise LibraryNotFoundError(
                "libseqnn.so was not found. Build it with `bash tools/build.sh` in the SeqNN checkout, install "
                "the package with `pip install ./bindings/python`, or set SEQNN_LIBRARY to its path. Tried:\n  "
                + "\n  ".join(tried))
        _declare(cdll, where)
        _check_abi(cdll, where)
        _lib, _lib_path = cdll, where
        return cdll


def lib() -> ctypes.CDLL:
    """The loaded library (loading it on first use)."""
    return _lib if _lib is not None else load_library()


def library_path() -> str:
    """The file the library was loaded from."""
    lib()
    assert _lib_path is not None
    return _lib_path


# --------------------------------------------------------------------------------------------------
# Helpers shared by the modules
# --------------------------------------------------------------------------------------------------

def last_error() -> str:
    """This thread's last SeqNN error message (seqnn_last_error)."""
    raw = lib().seqnn_last_error()
    return raw.decode("utf-8", "replace") if raw else ""


def check(status: int, context: str = "") -> None:
    """Raises the exception for a non-zero status, with the library's message for this thread."""
    if status != Status.SEQNN_OK:
        raise make_error(status, context)


def make_error(status: int, context: str = "") -> SeqNNError:
    message = last_error()
    if not message:
        raw = lib().seqnn_status_string(status)
        message = raw.decode() if raw else f"status {status}"
    if context:
        message = f"{context}: {message}"
    name = lib().seqnn_status_string(status)
    return error_for_status(status, message, name.decode() if name else "")


def read_string(fn: Any, *args: Any) -> str:
    """The text a ``(..., char *buf, size_t cap, size_t *len)`` function of seqnn.h writes: asks for the size
    first (buf NULL, cap 0: SEQNN_BUFFER_TOO_SMALL with *len), then reads it into a buffer of that size."""
    needed = c_size_t(0)
    status = fn(*args, None, 0, ctypes.byref(needed))
    if status not in (Status.SEQNN_OK, Status.SEQNN_BUFFER_TOO_SMALL):
        raise make_error(status)
    buf = ctypes.create_string_buffer(needed.value + 1)
    check(fn(*args, buf, len(buf), None))
    return buf.value.decode("utf-8", "replace")


_class_names: Optional[Tuple[str, ...]] = None


def layer_class_names() -> Tuple[str, ...]:
    """The Keras layer classes the library builds (``seqnn_layer_class_names``), sorted. The list is fixed
    for the life of the library, so it is read once."""
    global _class_names
    if _class_names is None:
        text = read_string(lib().seqnn_layer_class_names)
        _class_names = tuple(n for n in text.split("\n") if n)
    return _class_names


def encode(s: str, what: str) -> bytes:
    if not isinstance(s, str):
        raise TypeError(f"{what} must be a str, found {type(s).__name__}")
    if "\x00" in s:
        raise ValueError(f"{what} must not contain NUL characters")
    return s.encode("utf-8")


def as_float32(a: Any, what: str = "x") -> np.ndarray:
    """``a`` as a C-contiguous float32 array: the same object (no copy) when it already is one."""
    if isinstance(a, np.ndarray) and a.dtype == np.float32 and a.flags.c_contiguous:
        return a
    if isinstance(a, (str, bytes)):
        raise _errors.SeqNNTypeError(f"{what} must be numeric array-like, found {type(a).__name__} {a!r:.40}")
    try:
        arr = a if isinstance(a, np.ndarray) else np.asarray(a)
    except (TypeError, ValueError) as e:
        raise _errors.SeqNNValueError(f"{what} must be numeric array-like, found {type(a).__name__}: {e}") from None
    _args.check_dtype(arr.dtype, what)
    return np.ascontiguousarray(arr, dtype=np.float32)


def size_out() -> c_size_t:
    return c_size_t(0)


def create_fit_options() -> Tuple[FitOptions, Any]:
    """A ``seqnn_fit_options`` filled by ``seqnn_fit_options_init``.

    The library writes its own ``struct_size``; a newer library may have appended fields, so the struct
    lives in a larger zeroed buffer that the library's init fills completely. Returns (struct, buffer);
    keep the buffer alive while the struct is used.
    """
    return _create_options(FitOptions, lib().seqnn_fit_options_init)


def create_batch_source() -> Tuple[BatchSource, Any]:
    return _create_options(BatchSource, lib().seqnn_batch_source_init)


def create_run_options() -> Tuple[RunOptions, Any]:
    return _create_options(RunOptions, lib().seqnn_run_options_init)


def create_load_options() -> Tuple[LoadOptions, Any]:
    return _create_options(LoadOptions, lib().seqnn_load_options_init)


def create_save_options() -> Tuple[SaveOptions, Any]:
    return _create_options(SaveOptions, lib().seqnn_save_options_init)


def _create_options(cls: Any, init: Any) -> Tuple[Any, Any]:
    buf = ctypes.create_string_buffer(max(ctypes.sizeof(cls), 1024))
    init(ctypes.addressof(buf))
    opts = cls.from_buffer(buf)
    if opts.struct_size < ctypes.sizeof(cls) or opts.struct_size > len(buf):
        raise SeqNNError(f"the library's {cls.__name__} has struct_size {opts.struct_size}; this binding "
                         f"expects at least {ctypes.sizeof(cls)} (a library/binding mismatch)")
    return opts, buf


def decode(raw: Optional[bytes]) -> str:
    return raw.decode("utf-8", "replace") if raw else ""


def shape_array(shape: Sequence[int]) -> np.ndarray:
    return np.ascontiguousarray(np.asarray(list(shape), dtype=np.int64))
