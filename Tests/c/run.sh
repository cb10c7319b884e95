#!/usr/bin/env bash
# Tests/c/run.sh [LIBDIR] - the C tests of SeqNN's C ABI (Include/seqnn.h).
#
#   1. builds libseqnn.so unless LIBDIR is given (swift build -c release --product seqnn -> .build/release,
#      plus the libseqnn.so.0 link its SONAME needs),
#   2. compiles every Tests/c/test_*.c into its own program with -Wall -Wextra -Werror; a file that includes
#      harness.h (the shared checks, counters and tutorial models) is linked with harness.c:
#        test_errors   the error contract: NULL handles and buffers, bad sizes, call order, messages, silence
#        test_build    layers, input shapes, summary, names; unknown names and malformed JSON
#        test_train    compile, fit, evaluate, train_on_batch, callbacks, weights of samples and classes
#        test_predict  predict over batch sizes, weights get/set and predictions by hand
#        test_files    save, load, load_weights, and the training state a file keeps
#        test_extremes inputs that could crash the process, each in a forked child
#        test_threads  predict from several threads, SEQNN_BUSY, per-thread messages
#        test_contracts predicts beside weight writes (never BUSY, never torn), the output-buffer rule,
#                      the statuses the header names
#        test_alloc    heap allocations per batch, arrays and batch sources (its own malloc and harness)
#        test_batches  batch hooks (fit, evaluate, predict) and batch sources, against the array paths
#        test_registry seqnn_layer_class_names: the registered classes and the buffer contract
#   3. runs them, then test_threads once more with two threads for matrix products (SeqNN's thread pool),
#      and prints the number of checks passed over all programs,
#   4. runs them again under valgrind, except test_alloc, which counts allocations with its own malloc
#      (definite leaks and memory errors fail; Tests/c/valgrind.supp, if present, hides only what comes from
#      the Swift runtime or OpenBLAS themselves),
#   5. runs tools/check_exports.sh (exported symbols == the header's functions).
# Exits non-zero if any step fails. Environment: CC (default cc), SEQNN_SKIP_VALGRIND=1 skips step 4,
# SEQNN_VALGRIND_ITERS (default 20) sets test_threads' predict iterations under valgrind. Each program takes
# -v (print every check) and can be built and run alone (Tests/c/harness.h says how).
set -uo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
export OPENBLAS_NUM_THREADS=1
export SWIFT_BACKTRACE=enable=no
CC=${CC:-cc}

failures=()
step() { printf '\n=== %s\n' "$*"; }
fail() { echo "run.sh: FAILED: $*"; failures+=("$*"); }

# 1. The library.
if [ $# -ge 1 ]; then
    libdir=$(cd "$1" && pwd) || { echo "run.sh: no such directory: $1"; exit 2; }
else
    libdir="$root/.build/release"
    step "building libseqnn.so (swift build -c release --product seqnn)"
    swift build -c release --product seqnn || { echo "run.sh: swift build failed"; exit 1; }
    # The reader process seqnn_model_load runs untrusted files in; libseqnn.so finds it beside itself.
    swift build -c release --product seqnn-reader || { echo "run.sh: swift build failed"; exit 1; }
fi
if [ ! -f "$libdir/libseqnn.so" ]; then
    echo "run.sh: $libdir/libseqnn.so not found"
    exit 2
fi
if [ ! -e "$libdir/libseqnn.so.0" ]; then
    ln -sf libseqnn.so "$libdir/libseqnn.so.0"   # the SONAME the test binaries ask for
fi
echo "library: $libdir/libseqnn.so"

# 2. Compile.
outdir=$(mktemp -d "${TMPDIR:-/tmp}/seqnn-ctest.XXXXXX")
trap 'rm -rf "$outdir"' EXIT
tests=()
for src in "$root"/Tests/c/test_*.c; do
    t=$(basename "$src" .c)
    tests+=("$t")
    srcs=("$src")
    grep -q '#include "harness.h"' "$src" && srcs+=("$root/Tests/c/harness.c")
    step "compiling $t"
    if ! "$CC" -std=c11 -Wall -Wextra -Werror -g -I"$root/Include" "${srcs[@]}" -o "$outdir/$t" \
        -L"$libdir" -Wl,-rpath,"$libdir" -lseqnn -lpthread -lm; then
        fail "compile $t"
    fi
done

# 3. Run. Each program ends with "<name>: N passed, M failed" (test_alloc with "M failed").
passed=0
for t in "${tests[@]}"; do
    [ -x "$outdir/$t" ] || continue
    step "running $t"
    "$outdir/$t" | tee "$outdir/$t.out"
    [ "${PIPESTATUS[0]}" -eq 0 ] || fail "$t"
    n=$(sed -n "s/^$t: \([0-9]*\) passed, [0-9]* failed\$/\1/p" "$outdir/$t.out" | tail -1)
    passed=$((passed + ${n:-0}))
done
# Again with two threads for products: on AVX-512 CPUs they are then split over SeqNN's thread pool.
if [ -x "$outdir/test_threads" ]; then
    step "running test_threads with 2 threads for products"
    OPENBLAS_NUM_THREADS=2 "$outdir/test_threads" || fail "test_threads (2 product threads)"
fi
echo
echo "checks passed: $passed over ${#tests[@]} programs (the second test_threads run not counted)"

# 4. Valgrind.
if [ "${SEQNN_SKIP_VALGRIND:-0}" != 1 ]; then
    if ! command -v valgrind >/dev/null; then
        step "installing valgrind"
        if [ "$(id -u)" = 0 ]; then
            apt-get install -y valgrind >/dev/null || { apt-get update >/dev/null && apt-get install -y valgrind >/dev/null; }
        else
            sudo apt-get install -y valgrind >/dev/null
        fi
    fi
    if ! command -v valgrind >/dev/null; then
        fail "valgrind is not installed and could not be installed"
    else
        supp=()
        [ -f "$root/Tests/c/valgrind.supp" ] && supp=(--suppressions="$root/Tests/c/valgrind.supp")
        for t in "${tests[@]}"; do
            [ "$t" != test_alloc ] && [ -x "$outdir/$t" ] || continue
            step "valgrind $t"
            # Forked children (test_extremes' crash probes) are traced too; their own leaks are not ours to
            # judge (they _exit on purpose), so only the parent's leak check counts: --child-silent-after-fork.
            # valgrind does not emulate AVX-512: OpenBLAS's AVX2 kernels under it.
            OPENBLAS_CORETYPE=Haswell SEQNN_TEST_ITERS=${SEQNN_VALGRIND_ITERS:-20} \
                valgrind --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite \
                --show-leak-kinds=definite --child-silent-after-fork=yes "${supp[@]}" \
                --log-file="$outdir/$t.valgrind" "$outdir/$t"
            rc=$?
            grep -E "ERROR SUMMARY|definitely lost|indirectly lost|possibly lost|still reachable|suppressed:" \
                "$outdir/$t.valgrind" | sed 's/^==[0-9]*== */  /'
            errors=$(sed -n 's/.*ERROR SUMMARY: \([0-9]*\) errors.*/\1/p' "$outdir/$t.valgrind" | tail -1)
            if [ "${errors:-1}" != 0 ]; then
                # the first reports: invalid accesses, uninitialised values, definite leaks, with their stacks
                awk '/^==[0-9]+== (Invalid|Conditional|Use of|Syscall|Mismatched|Source and|.*definitely lost in)/ {p=1}
                     p {print} /^==[0-9]+== $/ {p=0}' "$outdir/$t.valgrind" | head -200
                fail "valgrind $t: ${errors:-?} errors (exit $rc)"
            elif [ $rc -ne 0 ]; then
                fail "$t under valgrind: test failures (exit $rc), no valgrind errors"
            fi
        done
    fi
fi

# 5. Exports.
step "export check"
"$root/tools/check_exports.sh" "$libdir" || fail "check_exports"

echo
if [ ${#failures[@]} -eq 0 ]; then
    echo "run.sh: all C tests passed"
    exit 0
fi
echo "run.sh: ${#failures[@]} step(s) failed: ${failures[*]}"
exit 1
