"""The ctypes layer: every function of seqnn.h declared, loading rules, ABI check, arrays without copies."""
from __future__ import annotations

import ctypes
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import seqnn
from seqnn import _ffi

from conftest import BINDING, REPO, library_path

HEADER = (REPO / "Include" / "seqnn.h").read_text()


def header_functions():
    text = re.sub(r"/\*.*?\*/", "", HEADER, flags=re.S)
    return sorted(set(re.findall(r"\b(seqnn_[a-z0-9_]+)\s*\(", text)) - {"seqnn_metric_fn", "seqnn_log_fn",
                                                                           "seqnn_epoch_fn"})


def test_every_header_function_is_declared(lib):
    names = header_functions()
    assert len(names) >= 40
    assert sorted(_ffi.PROTOTYPES) == names
    text = re.sub(r"/\*.*?\*/", "", HEADER, flags=re.S)
    for name in names:
        fn = getattr(lib, name)
        assert fn.argtypes is not None, name
        assert fn.restype == _ffi.PROTOTYPES[name][0], name
        params = re.search(name + r"\s*\(([^)]*)\)\s*;", text).group(1).strip()
        count = 0 if params in ("", "void") else params.count(",") + 1
        assert len(fn.argtypes) == count, f"{name}: header has {count} parameters, argtypes {len(fn.argtypes)}"
        returns_pointer = re.search(r"(\*|\bvoid|\bint|\bsize_t)\s*" + name + r"\s*\(", text).group(1)
        expected = {"*": (ctypes.c_void_p, ctypes.c_char_p), "void": (None,), "int": (ctypes.c_int,),
                    "size_t": (ctypes.c_size_t,)}[returns_pointer]
        assert fn.restype in expected, f"{name}: restype {fn.restype}"


def test_handles_are_pointers_not_ints(lib):
    assert lib.seqnn_model_create.restype is ctypes.c_void_p
    ptr = lib.seqnn_model_create(1)
    assert isinstance(ptr, int) and ptr != 0
    lib.seqnn_model_free(ptr)
    lib.seqnn_model_free(None)  # NULL is a no-op


def test_struct_layouts_match_the_library(lib):
    opts, _ = _ffi.create_fit_options()
    assert opts.struct_size == ctypes.sizeof(_ffi.FitOptions)
    assert (opts.epochs, opts.batch_size, opts.shuffle, opts.verbose) == (1, 0, 1, 1)
    assert opts.validation_split == 0.0 and not opts.validation_x
    save, _ = _ffi.create_save_options()
    assert save.struct_size == ctypes.sizeof(_ffi.SaveOptions)
    assert save.include_optimizer == 1 and save.keras2_optimizer_weights == 0


def test_versions(lib):
    assert seqnn.abi_version() >= _ffi.ABI_VERSION
    assert re.fullmatch(r"\d+\.\d+\.\d+.*", seqnn.library_version())
    assert Path(seqnn.library_path()).exists()


def test_float32_contiguous_arrays_are_not_copied():
    a = np.arange(12, dtype=np.float32).reshape(3, 4)
    assert _ffi.as_float32(a) is a
    b = np.arange(12, dtype=np.float64).reshape(3, 4)
    c = _ffi.as_float32(b)
    assert c.dtype == np.float32 and c.flags.c_contiguous and not np.shares_memory(b, c)
    view = a[:, ::2]
    d = _ffi.as_float32(view)
    assert d.flags.c_contiguous and np.array_equal(d, view)


def test_library_sees_the_callers_memory(lib):
    # to_categorical writes into the numpy array we pass: the same memory, no copy in between
    labels = np.array([0, 2, 1], dtype=np.float32)
    out = np.full(9, -1, dtype=np.float32)
    assert lib.seqnn_to_categorical(labels, 3, 3, out, 9, None, None) == 0
    assert out.reshape(3, 3).tolist() == [[1, 0, 0], [0, 0, 1], [0, 1, 0]]


def test_ndpointer_refuses_wrong_arrays(lib):
    labels = np.arange(6, dtype=np.float32)[::2]      # not contiguous
    out = np.zeros(9, dtype=np.float32)
    with pytest.raises(ctypes.ArgumentError):
        lib.seqnn_to_categorical(labels, 3, 3, out, 9, None, None)
    with pytest.raises(ctypes.ArgumentError):
        lib.seqnn_to_categorical(np.zeros(3), 3, 3, out, 9, None, None)   # float64
    with pytest.raises(ctypes.ArgumentError):
        lib.seqnn_model_add(None, "Dense", None)                        # str, not bytes


def test_model_predict_does_not_copy_float32_input(monkeypatch):
    model = seqnn.Sequential([seqnn.layers.Dense(2, input_shape=(3,))], seed=1)
    x = np.ones((4, 3), dtype=np.float32)
    seen = []
    real = _ffi.as_float32

    def spy(a, what="x"):
        r = real(a, what)
        seen.append(r is a)
        return r
    monkeypatch.setattr(_ffi, "as_float32", spy)
    model.predict(x, verbose=0)
    assert seen == [True]


def _run_python(code: str, env_extra: dict) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "SEQNN_LIBRARY"}
    env.update(env_extra)
    env["PYTHONPATH"] = str(BINDING)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd="/")


def test_seqnn_library_that_does_not_exist_is_an_error_not_a_fallback():
    r = _run_python("import seqnn\ntry:\n    seqnn.library_version()\nexcept OSError as e:\n"
                    "    print(type(e).__name__, e)\n", {"SEQNN_LIBRARY": "/nonexistent/libseqnn.so"})
    assert "LibraryNotFoundError SEQNN_LIBRARY=/nonexistent/libseqnn.so could not be loaded" in r.stdout, r.stderr


def test_seqnn_library_may_name_the_folder():
    r = _run_python("import seqnn; print(seqnn.library_path())", {"SEQNN_LIBRARY": str(library_path().parent)})
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == str(library_path().parent / "libseqnn.so")


def test_importing_needs_no_library():
    r = _run_python("import seqnn, seqnn.keras.backend as K; print(K.epsilon())",
                    {"SEQNN_LIBRARY": "/nonexistent/libseqnn.so"})
    assert r.returncode == 0 and r.stdout.strip() == "1e-07", r.stderr


def test_abi_too_old_is_explained(monkeypatch):
    class Fake:
        def seqnn_abi_version(self):
            return 0

        def seqnn_version(self):
            return b"0.0.1"
    # the binding's own ABI_VERSION, whatever it has grown to (2 since seqnn_layer_class_names)
    with pytest.raises(seqnn.LibraryNotFoundError, match=r"has ABI version 0, but this Python binding needs ABI "
                                                         rf"version {_ffi.ABI_VERSION} or later"):
        _ffi._check_abi(Fake(), "/x/libseqnn.so")


def test_missing_function_is_explained():
    class Fake:
        pass
    with pytest.raises(seqnn.LibraryNotFoundError, match="does not export seqnn_version"):
        _ffi._declare(Fake(), "/x/libseqnn.so")  # type: ignore[arg-type]


def test_repository_is_found_from_the_package():
    assert _ffi.find_repository() == REPO


def test_status_codes_match_the_header():
    for name, value in re.findall(r"(SEQNN_[A-Z_]+) = (\d+)", HEADER):
        assert getattr(_ffi, name) == int(value), name
