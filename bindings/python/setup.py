"""Build hooks for ``pip install ./bindings/python``: the package is pure Python, plus a copy of
``libseqnn.so`` put inside it (``seqnn/_lib/libseqnn.so``) so ``import seqnn`` works from any folder.

Where the library comes from, first match wins:
  1. ``$SEQNN_LIBRARY`` (a path to libseqnn.so or to its folder),
  2. the checkout's ``.build/install/lib/libseqnn.so`` (this file lives in ``bindings/python`` of it):
     the shipped form ``tools/build.sh`` makes, with the Swift runtime inside,
  3. running ``tools/build.sh`` there when ``swift`` is on PATH (set ``SEQNN_NO_BUILD=1`` to skip),
  4. none: the build fails with instructions, unless ``SEQNN_ALLOW_NO_LIBRARY=1`` (then the installed
     package looks for the library at run time: ``$SEQNN_LIBRARY`` or the system loader).
Editable installs (``pip install -e``) copy nothing: the package finds the checkout's build folder itself.
"""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from setuptools import Distribution, setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
LIBRARY = "libseqnn.so"
READER = "seqnn-reader"


def find_repository() -> "Path | None":
    for d in [HERE, *HERE.parents]:
        if (d / "Package.swift").is_file() and (d / "Include" / "seqnn.h").is_file():
            return d
    return None


def locate_library() -> "Path | None":
    env = os.environ.get("SEQNN_LIBRARY")
    if env:
        p = Path(env)
        if p.is_dir():
            p = p / LIBRARY
        if not p.is_file():
            raise SystemExit(f"seqnn: SEQNN_LIBRARY={env} is not a libseqnn.so file")
        return p
    repo = find_repository()
    if repo is not None:
        built = repo / ".build" / "install" / "lib" / LIBRARY
        if built.is_file():
            return built
        if shutil.which("swift") and os.environ.get("SEQNN_NO_BUILD") != "1":
            print(f"seqnn: building {LIBRARY} (bash tools/build.sh) in {repo}")
            subprocess.run(["bash", "tools/build.sh"], cwd=repo, check=True, stdout=subprocess.DEVNULL)
            if built.is_file():
                return built
    return None


class BuildPyWithLibrary(build_py):
    """build_py that also copies libseqnn.so into the package."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        lib = locate_library()
        if lib is None:
            if os.environ.get("SEQNN_ALLOW_NO_LIBRARY") == "1":
                print("seqnn: no libseqnn.so found; installing without it (SEQNN_ALLOW_NO_LIBRARY=1)")
                return
            raise SystemExit(
                "seqnn: libseqnn.so was not found and could not be built. Build it first (bash tools/build.sh in "
                "the SeqNN checkout), or set SEQNN_LIBRARY=/path/to/libseqnn.so, then pip install again.")
        target = Path(self.build_lib) / "seqnn" / "_lib"
        target.mkdir(parents=True, exist_ok=True)
        shutil.copy2(lib.resolve(), target / LIBRARY)
        print(f"seqnn: bundled {lib.resolve()} as seqnn/_lib/{LIBRARY}")
        # The reader process the library runs untrusted model files in: it must sit beside the library.
        reader = lib.resolve().parent / READER
        if not reader.is_file():
            raise SystemExit(f"seqnn: {reader} is missing; the library loads model files through it. "
                             "Build the install tree with bash tools/build.sh")
        shutil.copy2(reader, target / READER)
        os.chmod(target / READER, 0o755)
        print(f"seqnn: bundled {reader} as seqnn/_lib/{READER}")


cmdclass = {"build_py": BuildPyWithLibrary}


class BinaryDistribution(Distribution):
    """The package carries a Linux shared library: install it as platform-specific (platlib)."""

    def has_ext_modules(self) -> bool:
        return True


try:  # ... and tag the wheel for the platform only: ctypes needs no particular Python ABI
    from wheel.bdist_wheel import bdist_wheel

    class PlatformWheel(bdist_wheel):
        def get_tag(self):  # type: ignore[no-untyped-def]
            _, _, plat = super().get_tag()
            return "py3", "none", plat

    cmdclass["bdist_wheel"] = PlatformWheel
except ImportError:
    pass

setup(cmdclass=cmdclass, distclass=BinaryDistribution)
