"""``keras.utils``: ``to_categorical`` (computed by the library), ``set_random_seed``, ``normalize``,
``pad_sequences``."""
from __future__ import annotations

import os
import random
import threading
from typing import Any, Optional

import numpy as np

from . import _ffi

__all__ = ["to_categorical", "set_random_seed", "normalize", "pad_sequences", "next_seed", "PyDataset", "Sequence"]

_seed_lock = threading.Lock()
_seed_rng: Optional[np.random.Generator] = None


def set_random_seed(seed: int) -> None:
    """``keras.utils.set_random_seed``: seeds Python's ``random``, numpy's global generator and the seeds
    of SeqNN models created afterwards without an explicit ``seed=`` (so a script gives the same weights
    every run; two models in one script still differ, as in Keras)."""
    global _seed_rng
    if not isinstance(seed, (int, np.integer)):
        raise ValueError(f"Expected `seed` argument to be an integer. Received: seed={seed} (of type {type(seed)})")
    random.seed(int(seed))
    np.random.seed(int(seed) % (2 ** 32))
    with _seed_lock:
        _seed_rng = np.random.default_rng(int(seed))


def next_seed() -> int:
    """The seed for a new model: drawn from ``set_random_seed``'s generator, else random (as Keras)."""
    with _seed_lock:
        if _seed_rng is not None:
            return int(_seed_rng.integers(0, 2 ** 63))
    return int.from_bytes(os.urandom(8), "little") >> 1


def to_categorical(x: Any, num_classes: Optional[int] = None, dtype: Any = "float32") -> np.ndarray:
    """``keras.utils.to_categorical``: integer class labels -> one-hot rows.

    ``x`` of shape ``(n,)`` or ``(n, 1)`` gives ``(n, num_classes)``; other shapes gain a last axis.
    ``num_classes`` None means ``max(x) + 1``. Non-integer or negative labels, or labels >= num_classes,
    raise ``ValueError`` with the library's message.
    """
    labels = np.asarray(x)
    shape = labels.shape
    if len(shape) > 1 and shape[-1] == 1:
        shape = shape[:-1]
    flat = _ffi.as_float32(labels.reshape(-1), "x")
    n = flat.size
    if num_classes is not None and (isinstance(num_classes, bool) or int(num_classes) <= 0):
        raise ValueError(f"num_classes must be a positive integer, found {num_classes}")
    lib = _ffi.lib()
    classes = _ffi.ctypes.c_int64(0)
    needed = _ffi.c_size_t(0)
    if num_classes is None:
        if n == 0:
            raise ValueError("to_categorical: x is empty and num_classes is not given")
        k = int(np.max(flat)) + 1 if np.all(np.isfinite(flat)) else 1
    else:
        k = int(num_classes)
    out = np.empty(max(n * max(k, 1), 1), dtype=np.float32)
    status = lib.seqnn_to_categorical(flat, n, int(num_classes or 0), out, out.size, _ffi.ctypes.byref(needed),
                                      _ffi.ctypes.byref(classes))
    if status == _ffi.SEQNN_BUFFER_TOO_SMALL:
        out = np.empty(needed.value, dtype=np.float32)
        status = lib.seqnn_to_categorical(flat, n, int(num_classes or 0), out, out.size, _ffi.ctypes.byref(needed),
                                          _ffi.ctypes.byref(classes))
    _ffi.check(status)
    k = int(classes.value)
    return out[: n * k].reshape(tuple(shape) + (k,)).astype(dtype, copy=False)


def normalize(x: Any, axis: int = -1, order: int = 2) -> np.ndarray:
    """``keras.utils.normalize``: scales ``x`` to unit ``order``-norm along ``axis``."""
    a = np.asarray(x, dtype=np.float32)
    norm = np.atleast_1d(np.linalg.norm(a, order, axis))
    norm[norm == 0] = 1
    return a / np.expand_dims(norm, axis)


def pad_sequences(sequences: Any, maxlen: Optional[int] = None, dtype: Any = "int32", padding: str = "pre",
                  truncating: str = "pre", value: Any = 0.0) -> np.ndarray:
    """``keras.utils.pad_sequences``: a list of sequences -> an array ``(len(sequences), maxlen)`` (plus the
    shape of one step when the steps are arrays), Keras's algorithm.

    ``maxlen`` None means the longest sequence. Longer sequences lose values at the start (``truncating=
    "pre"``) or end ("post"); shorter ones are filled with ``value`` before (``padding="pre"``) or after
    ("post") their values.
    """
    if not hasattr(sequences, "__len__"):
        raise ValueError("`sequences` must be iterable.")
    lengths = []
    sample_shape: tuple = ()
    found = False
    for seq in sequences:
        try:
            lengths.append(len(seq))
        except TypeError as e:
            raise ValueError(f"`sequences` must be a list of iterables. Found non-iterable: {seq}") from e
        if not found and len(seq):
            sample_shape = np.asarray(seq).shape[1:]
            found = True
    if maxlen is None:
        maxlen = int(np.max(lengths)) if lengths else 0
    is_text = np.issubdtype(dtype, np.str_) or np.issubdtype(dtype, np.bytes_)
    if isinstance(value, str) and dtype is not object and not is_text:
        raise ValueError(f"`dtype` {dtype} is not compatible with `value`'s type: {type(value)}\n"
                         f"You should set `dtype=object` for variable length strings.")
    if padding not in ("pre", "post"):
        raise ValueError(f'Padding type "{padding}" not understood')
    if truncating not in ("pre", "post"):
        raise ValueError(f'Truncating type "{truncating}" not understood')
    out = np.full((len(lengths), maxlen) + tuple(sample_shape), value, dtype=dtype)
    for i, seq in enumerate(sequences):
        if not len(seq) or maxlen == 0:
            continue
        kept = np.asarray(seq[-maxlen:] if truncating == "pre" else seq[:maxlen], dtype=dtype)
        if kept.shape[1:] != sample_shape:
            raise ValueError(f"Shape of sample {kept.shape[1:]} of sequence at position {i} is different from "
                             f"expected shape {sample_shape}")
        if padding == "post":
            out[i, :len(kept)] = kept
        else:
            out[i, -len(kept):] = kept
    return out
class PyDataset:
    """``keras.utils.PyDataset``: a data set read one batch at a time, for data that does not fit in memory.

    Subclass it with ``__len__`` (the number of batches) and ``__getitem__(index)`` returning the batch
    ``index``: ``(x, y)``, ``(x, y, sample_weight)``, or ``x`` / ``(x,)`` for ``predict``; optionally
    ``on_epoch_end`` (called after each pass, as Keras 3 does, and once when fit/evaluate/predict starts)
    and ``on_epoch_begin``. ``fit(shuffle=True)`` visits the batches in a new order each epoch.
    ``workers``, ``use_multiprocessing`` and ``max_queue_size`` are accepted for compatibility; batches are
    read on the calling thread. Real Keras ``PyDataset`` / ``Sequence`` objects work as well.
    """

    def __init__(self, workers: int = 1, use_multiprocessing: bool = False, max_queue_size: int = 10) -> None:
        self._workers = workers
        self._use_multiprocessing = use_multiprocessing
        self._max_queue_size = max_queue_size

    @property
    def workers(self) -> int:
        return getattr(self, "_workers", 1)

    @property
    def use_multiprocessing(self) -> bool:
        return getattr(self, "_use_multiprocessing", False)

    @property
    def max_queue_size(self) -> int:
        return getattr(self, "_max_queue_size", 10)

    def __getitem__(self, index: int) -> Any:
        raise NotImplementedError

    @property
    def num_batches(self) -> Optional[int]:
        """The number of batches (``len(self)``), or None for an endless data set."""
        if hasattr(self, "__len__"):
            return len(self)  # type: ignore[arg-type]
        raise NotImplementedError("You need to implement the `num_batches` property (or `__len__`)")

    def on_epoch_begin(self) -> None:
        """Called at the beginning of every epoch."""

    def on_epoch_end(self) -> None:
        """Called at the end of every epoch."""

    def __iter__(self) -> Any:
        n = self.num_batches
        i = 0
        while n is None or i < n:
            yield self[i]
            i += 1


# Keras 2's name for the same protocol (``__len__``, ``__getitem__``, ``on_epoch_end``).
Sequence = PyDataset
