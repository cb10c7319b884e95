#!/usr/bin/env bash
# tools/bench/run.sh - SeqNN's benchmark suite side by side with Keras 3 (TF, JAX), tf-keras, PyTorch and
# ONNX Runtime. One command: builds libseqnn.so and seqnn_bench, runs every workload with 1 thread (each
# process pinned to one CPU) and then with all cores, prints one table and writes tools/bench/RESULTS.md.
#
#   bash tools/bench/run.sh [--quick] [--threads "1 all"] [--lib DIR] [--python PY] [--frameworks LIST]
#                           [--no-peers] [--pin CPU] [--out FILE] [--keep DIR]
#
#   (default)      the 1-thread round on the issue's data sizes (60,000 / 10,000 / 4,096 samples) with 3 timed
#                  epochs; the all-cores round on a quarter of the data with 2 timed epochs (~8 min in all)
#   --quick        both rounds on a quarter of the data, 2 timed epochs, fewer latency calls (~5 min)
#   --scale F, --reps N   override the 1-thread round's data fraction and timed epochs
#   --threads      the thread counts to run, "1", "all" or "1 all" (default)
#   --lib DIR      use the libseqnn.so already in DIR instead of building (.build-bench/release)
#   --python PY    the Python with the peers installed (default: $SEQNN_BENCH_PYTHON, else python3 on PATH);
#                  peers that do not import are skipped and say so
#   --frameworks   peers to run, comma-separated (default keras3-jax,keras3-tf,tf-keras,torch,onnxruntime,seqnn-py)
#   --no-peers     SeqNN only
#   --pin CPU      the CPU the 1-thread runs are pinned to (default: the last one)
#   --out FILE     the markdown written (default tools/bench/RESULTS.md)
#   --keep DIR     keep the raw JSON lines in DIR (report.py DIR --md FILE --meta DIR/meta.json redraws the table)
# SeqNN runs on the best backend the CPU has (its `seqnn` rows; SEQNN_BACKEND in the environment lowers it)
# and, when that is AVX-512, once more with SEQNN_BACKEND=avx2 in the 1-thread round (`seqnn-avx2` rows:
# the AVX2+FMA path, products on OpenBLAS's Haswell kernels); each run prints the backend that ran.
# Environment: SEQNN_BENCH_PYTHON, SEQNN_BENCH_BINDINGS (the seqnn Python package matching --lib),
# SEQNN_BENCH_SOURCE (what the library was built from, for RESULTS.md).
# Not run by CI. See tools/bench/README.md.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
command_line="bash tools/bench/run.sh $*"
quick=0; threads_list="1 all"; scale_opt=""; reps_opt=""; libdir=""; py="${SEQNN_BENCH_PYTHON:-}"; peers=1
frameworks="keras3-jax,keras3-tf,tf-keras,torch,onnxruntime,seqnn-py"
ncpu=$(nproc); pin=$((ncpu - 1)); out="$here/RESULTS.md"; keep=""
while [ $# -gt 0 ]; do
    case "$1" in
        --quick) quick=1 ;;
        --scale) scale_opt="$2"; shift ;;
        --reps) reps_opt="$2"; shift ;;
        --threads) threads_list="$2"; shift ;;
        --lib) libdir="$2"; shift ;;
        --python) py="$2"; shift ;;
        --frameworks) frameworks="$2"; shift ;;
        --no-peers) peers=0 ;;
        --pin) pin="$2"; shift ;;
        --out) out="$2"; shift ;;
        --keep) keep="$2"; shift ;;
        -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
        *) echo "run.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
    shift
done

# The all-cores round always runs on a quarter of the data (2 timed epochs): the goals are 1-thread goals, and
# on a 2-core machine shared with others it mostly measures the other tenants.
all_scale=0.25; all_reps=2; peer_cold_reps=1
if [ $quick = 1 ]; then
    scale=0.25; reps=2; lat_calls=1000; cold_reps=5
else
    scale=1; reps=3; lat_calls=3000; cold_reps=10
fi
[ -n "$scale_opt" ] && scale=$scale_opt
[ -n "$reps_opt" ] && reps=$reps_opt
mode="1 thread: data x$scale, $reps timed epochs; all cores: data x$all_scale, $all_reps timed epochs"
[ $quick = 1 ] && mode="quick: $mode"
start=$(date +%s)
load_before=$(cut -d' ' -f1-3 /proc/loadavg)

# 1. The library and the benchmark program.
source_note=${SEQNN_BENCH_SOURCE:-}
if [ -z "$libdir" ]; then
    rev=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
    git -C "$root" diff --quiet HEAD -- Sources Package.swift 2>/dev/null || rev="$rev + local changes in Sources"
    [ -z "$source_note" ] && source_note="this work tree at $rev, built by run.sh"
    # The shipped form (Swift runtime linked in, as tools/build.sh builds it), in its own build folder so
    # the work tree can be edited while the benchmark runs.
    echo "== building libseqnn.so (swift build -c release -Xswiftc -static-stdlib --product seqnn --scratch-path .build-bench)" >&2
    if ! (cd "$root" && swift build -c release -Xswiftc -static-stdlib --product seqnn --scratch-path .build-bench >&2); then
        echo "run.sh: the build failed; if the work tree is being edited, build elsewhere and pass --lib DIR" >&2
        exit 1
    fi
    libdir="$root/.build-bench/release"
fi
libdir=$(cd "$libdir" && pwd)
[ -z "$source_note" ] && source_note="prebuilt $libdir/libseqnn.so (--lib; set SEQNN_BENCH_SOURCE to say what it was built from)"
[ -f "$libdir/libseqnn.so" ] || { echo "run.sh: no libseqnn.so in $libdir" >&2; exit 1; }
[ -e "$libdir/libseqnn.so.0" ] || ln -sf libseqnn.so "$libdir/libseqnn.so.0"
work=$(mktemp -d "${TMPDIR:-/tmp}/seqnn-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
bench="$work/seqnn_bench"
echo "== compiling seqnn_bench.c against $libdir" >&2
if ! ${CC:-cc} -std=c11 -O2 -Wall -Wextra -I"$root/Include" \
        "$here/seqnn_bench.c" -o "$bench" -L"$libdir" -Wl,-rpath,"$libdir" -lseqnn -ldl -lm; then
    echo "run.sh: compiling seqnn_bench.c failed" >&2
    exit 1
fi

# 2. The Python for the peers: --python, else $SEQNN_BENCH_PYTHON, else python3 (no machine-specific guesses).
[ -z "$py" ] && py=python3
if [ $peers = 1 ] && ! command -v "$py" >/dev/null 2>&1; then
    echo "run.sh: no Python '$py' (pass --python PY or set SEQNN_BENCH_PYTHON)" >&2
    exit 2
fi
export SEQNN_LIBRARY="$libdir/libseqnn.so" TF_CPP_MIN_LOG_LEVEL=3 PYTHONWARNINGS=ignore
if [ $peers = 1 ]; then
    echo "== peers ($py):" >&2
    "$py" "$here/peers.py" list | sed 's/^/   /' >&2
fi

# The OpenBLAS kernels SeqNN picked (it loads OpenBLAS itself; see Include/seqnn.h, seqnn_blas_core).
core=$("$bench" --only peak --reps 1 2>/dev/null | sed -n 's/.*"corename": "\([^"]*\)".*/\1/p' | head -1)
echo "== OpenBLAS kernels: ${core:-none}" >&2

# Which SeqNN paths run: the backend the library picks by default, and the AVX2 path as well when the
# default is AVX-512 (forcing a backend the CPU lacks only falls back, so it is asked, not assumed).
backend_of() {   # the backend seqnn_bench reports with SEQNN_BACKEND=$1 ("" = the environment's)
    if [ -n "$1" ]; then SEQNN_BACKEND=$1 "$bench" --only info 2>/dev/null; else "$bench" --only info 2>/dev/null; fi |
        sed -n 's/.*"backend": "\([^"]*\)".*/\1/p' | head -1
}
default_backend=$(backend_of "")
avx2_run=0
if [ "$default_backend" = avx512 ] && [ "$(backend_of avx2)" = avx2 ]; then avx2_run=1; fi
echo "== SeqNN backend: ${default_backend:-unknown} (seqnn rows)$([ $avx2_run = 1 ] && echo "; avx2 (seqnn-avx2 rows, SEQNN_BACKEND=avx2, 1 thread)")" >&2
[ "$default_backend" = avx512 ] || echo "== no AVX-512 path here (default backend ${default_backend:-unknown}): only that one runs" >&2

# 3. Run.
h5="$work/w1.h5"
for tspec in $threads_list; do
    if [ "$tspec" = all ]; then
        t=$ncpu; pinopt=(); ppin=(); sc=$all_scale; rp=$all_reps
    else
        t=$tspec; pinopt=(--pin "$pin"); ppin=(--pin "$pin"); sc=$scale; rp=$reps
    fi
    [ "$tspec" = all ] && [ "$ncpu" = 1 ] && continue
    only="peak,W1,W2,W3,W3lat,W4,W5"
    ponly="W1,W2,W3,W3lat,W4,W5"
    if [ "$t" = 1 ]; then only="$only,cold"; ponly="$ponly,cold"; fi   # cold start once, in the 1-thread round
    echo "== SeqNN, $t thread(s)" >&2
    # The sgemm peak in a process of its own: OpenBLAS's threads, once started by it, kept spinning in
    # sched_yield through the workloads that followed and took the second core from them.
    "$bench" --threads "$t" "${pinopt[@]}" --only peak > "$work/seqnn-$t.jsonl" || echo "run.sh: seqnn_bench peak failed" >&2
    "$bench" --threads "$t" "${pinopt[@]}" --reps $rp --scale $sc --only "${only#peak,}" --save-w1 "$h5" \
        --lat-calls $lat_calls --cold-reps $cold_reps >> "$work/seqnn-$t.jsonl" || echo "run.sh: seqnn_bench failed" >&2
    if [ $avx2_run = 1 ] && [ "$t" = 1 ]; then
        echo "== SeqNN, $t thread(s), AVX2 path (SEQNN_BACKEND=avx2)" >&2
        SEQNN_BACKEND=avx2 "$bench" --label seqnn-avx2 --threads "$t" "${pinopt[@]}" --reps $rp --scale $sc \
            --only W1,W2,W3,W3lat,W4,W5 --lat-calls $lat_calls > "$work/seqnn-avx2-$t.jsonl" \
            || echo "run.sh: seqnn_bench (avx2) failed" >&2
    fi
    [ $peers = 1 ] || continue
    for f in ${frameworks//,/ }; do
        echo "== $f, $t thread(s)" >&2
        "$py" "$here/peers.py" run "$f" --threads "$t" "${ppin[@]}" --reps $rp --scale $sc --only "$ponly" \
            --w1-h5 "$h5" --lat-calls $lat_calls --cold-reps $peer_cold_reps > "$work/$f-$t.jsonl" \
            2> >(grep -vE "^(I0000|W0000|E0000)|oneDNN|cuda|WARNING: All log|absl::InitializeLog" >&2) \
            || echo "run.sh: $f failed (exit $?); its results are missing" >&2
    done
done

# 4. The table.
elapsed=$(( $(date +%s) - start ))
BENCH_SOURCE="$source_note" BENCH_COMMAND="$command_line" BENCH_LOAD="$load_before" BENCH_MODE="$mode" BENCH_PIN="$pin" BENCH_ELAPSED="$elapsed" \
python3 - "$work/meta.json" <<'EOF'
import datetime, json, os, subprocess, sys
def sh(c):
    return subprocess.run(["sh", "-c", c], capture_output=True, text=True).stdout.strip()
e = os.environ
json.dump({"command": e["BENCH_COMMAND"], "date": datetime.datetime.now().isoformat(timespec="seconds"),
           "cpu": sh("lscpu | sed -n 's/^Model name: *//p'"), "cores": os.cpu_count(),
           "mem": sh("free -g | awk '/Mem:/{print $2}'") + " GiB RAM", "load_before": e["BENCH_LOAD"],
           "load_after": " ".join(open("/proc/loadavg").read().split()[:3]), "mode": e["BENCH_MODE"],
           "pin": e["BENCH_PIN"], "elapsed": e["BENCH_ELAPSED"] + " s", "source": e["BENCH_SOURCE"]},
          open(sys.argv[1], "w"))
EOF
python3 "$here/report.py" "$work" --md "$out" --meta "$work/meta.json"
if [ -n "$keep" ]; then mkdir -p "$keep" && cp "$work"/*.json* "$keep"/; fi
echo "run.sh: done in ${elapsed} s" >&2
