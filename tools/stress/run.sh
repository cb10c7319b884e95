#!/usr/bin/env bash
# tools/stress/run.sh [--short] [--tsan] - the reliability figures of README's "Reliability" section that are
# not tests of one function: memory over many model lifetimes and statuses under concurrency.
#
#   memcheck   CYCLES create/compile/fit/save(.h5, .keras)/load/predict/free cycles; RSS must stay flat
#              (tools/stress/memcheck.c). Default 10,000 cycles (~3 min); --short: 300 (tools/test.sh).
#   stress     THREADS threads for SECONDS mixing predict, get/set_weight, fit, evaluate, save, load and
#              load_weights on two shared models; only the statuses Include/seqnn.h's Threads rules allow
#              (tools/stress/stress.c). Default 8 threads, 60 s; --short: 8 threads, 5 s.
#   --tsan     also builds libseqnn with -sanitize=thread (in .build-tsan, ~15 min the first time) and runs
#              the stress against it with TSAN_OPTIONS=halt_on_error=1: any data race fails the run.
#
# Environment: SEQNN_LIB (default: tools/build.sh's install tree, built if missing), CYCLES, THREADS, SECONDS_RUN.
set -euo pipefail
cd "$(dirname "$0")/../.."
short=0 tsan=0
for a in "$@"; do
    case "$a" in
        --short) short=1 ;;
        --tsan) tsan=1 ;;
        *) echo "usage: tools/stress/run.sh [--short] [--tsan]"; exit 2 ;;
    esac
done
cycles=${CYCLES:-$([ $short = 1 ] && echo 300 || echo 10000)}
threads=${THREADS:-8}
seconds=${SECONDS_RUN:-$([ $short = 1 ] && echo 5 || echo 60)}
lib=${SEQNN_LIB:-$PWD/.build/install/lib}
[ -f "$lib/libseqnn.so" ] || lib=$(bash tools/build.sh | tail -n 1)
export OPENBLAS_NUM_THREADS=1 SWIFT_BACKTRACE=enable=no
out=$(mktemp -d "${TMPDIR:-/tmp}/seqnn-stress.XXXXXX")
trap 'rm -rf "$out"' EXIT
CC=${CC:-cc}
for p in memcheck stress; do
    "$CC" -std=c11 -O1 -g -Wall -Wextra -Werror -IInclude "tools/stress/$p.c" -o "$out/$p" \
        -L"$lib" -Wl,-rpath,"$lib" -lseqnn -lpthread -lm
done
mkdir -p "$out/files"
"$out/memcheck" "$cycles" "$out/files"
"$out/stress" "$threads" "$seconds" "$out/files"

if [ $tsan = 1 ]; then
    # Swift's ThreadSanitizer: the library's Swift and C code instrumented, the runtime linked into the .so,
    # the driver built with clang -fsanitize=thread so the TSan runtime comes first.
    # The .so leaves the __tsan_* symbols to the executable's runtime (a shared library cannot carry it);
    # Swift's clang_rt.tsan has libdispatch interceptors, hence -ldispatch -lBlocksRuntime from the toolchain.
    swift build -c release --product seqnn --scratch-path .build-tsan -Xswiftc -sanitize=thread \
        -Xlinker --unresolved-symbols=ignore-all >&2
    tlib="$PWD/.build-tsan/release"
    slib="$(dirname "$(dirname "$(command -v swift)")")/lib/swift/linux"
    ln -sf libseqnn.so "$tlib/libseqnn.so.0"
    clang -std=c11 -O1 -g -fsanitize=thread -IInclude tools/stress/stress.c -o "$out/stress-tsan" \
        -L"$tlib" -Wl,-rpath,"$tlib" -lseqnn -L"$slib" -Wl,-rpath,"$slib" -ldispatch -lBlocksRuntime -lpthread -lm
    TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 ${TSAN_OPTIONS:-}" \
        "$out/stress-tsan" "$threads" "$seconds" "$out/files"
fi
echo "tools/stress/run.sh: ok"
