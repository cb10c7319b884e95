"""pytest setup for the Python binding's tests.

The tests import the package from the checkout (``bindings/python``), not from site-packages, and the
library from ``$SEQNN_LIBRARY`` (README's test command sets it) or the checkout's ``.build/install/lib``.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[2]
BINDING = REPO / "bindings" / "python"
sys.path.insert(0, str(BINDING))
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import seqnn  # noqa: E402,F401 (imported first, from the checkout)
from seqnn import _ffi  # noqa: E402


def library_path() -> Path:
    return Path(_ffi.library_path())


@pytest.fixture(scope="session")
def lib():
    return _ffi.lib()


@pytest.fixture(scope="session")
def cc():
    """A C compiler, or skip."""
    compiler = os.environ.get("CC", "cc")
    if shutil.which(compiler) is None:
        pytest.skip("no C compiler (cc)")
    return compiler


@pytest.fixture(scope="session")
def c_build(cc, tmp_path_factory):
    """Compiles a C program against Include/seqnn.h and the loaded library; returns its path."""
    out_dir = tmp_path_factory.mktemp("cprog")
    # the library under both names the linker and the loader want (its SONAME is libseqnn.so.0)
    libdir = out_dir / "lib"
    libdir.mkdir()
    for name in ("libseqnn.so", "libseqnn.so.0"):
        (libdir / name).symlink_to(library_path().resolve())

    def build(name: str, source: str) -> Path:
        src = out_dir / f"{name}.c"
        src.write_text(source)
        exe = out_dir / name
        cmd = [cc, "-std=c11", "-Wall", "-Wextra", "-O1", f"-I{REPO / 'Include'}", str(src), "-o", str(exe),
               f"-L{libdir}", f"-Wl,-rpath,{libdir}", "-lseqnn", "-lm"]
        r = subprocess.run(cmd, capture_output=True, text=True)
        assert r.returncode == 0, f"compiling {name} failed:\n{r.stderr}"
        return exe

    return build


def run_c(exe: Path, *args: str) -> str:
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", SWIFT_BACKTRACE="enable=no")
    r = subprocess.run([str(exe), *args], capture_output=True, text=True, env=env)
    assert r.returncode == 0, f"{exe.name} failed ({r.returncode}):\n{r.stdout}\n{r.stderr}"
    return r.stdout


@pytest.fixture
def rng():
    return np.random.default_rng(1234)
