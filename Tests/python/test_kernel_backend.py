"""seqnn.kernel_backend(): which instruction-set path runs, and SEQNN_BACKEND lowering it in a new process."""
import os
import subprocess
import sys

import seqnn

from conftest import BINDING

PATHS = ("avx512", "avx2", "portable")


def test_reports_one_of_the_three_paths():
    assert seqnn.kernel_backend() in PATHS


def backend_in_new_process(request):
    env = dict(os.environ, SEQNN_BACKEND=request, PYTHONPATH=str(BINDING))
    out = subprocess.run([sys.executable, "-c", "import seqnn; print(seqnn.kernel_backend())"],
                         env=env, capture_output=True, text=True, check=True)
    return out.stdout.strip()


def test_seqnn_backend_lowers_but_never_raises_the_path():
    best = seqnn.kernel_backend() if "SEQNN_BACKEND" not in os.environ else backend_in_new_process("avx512")
    assert backend_in_new_process("portable") == "portable"
    # asking for more than the CPU has gives what it has
    assert backend_in_new_process("avx512") == best
    assert PATHS.index(backend_in_new_process("avx2")) >= PATHS.index(best)
