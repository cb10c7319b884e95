#!/usr/bin/env bash
# Fuzzes the .h5 loader with libFuzzer: builds libseqnn with coverage instrumentation (in .build-fuzz),
# a C harness with -fsanitize=fuzzer, and runs it on a corpus of real model files for $1 seconds (60).
# Not part of the test command (it is open-ended); its findings become regression tests.
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-60}
# The library is built with -sanitize=fuzzer,address: coverage counters guide libFuzzer through SeqNN's own
# branches. The sanitizer and libFuzzer runtimes (with libFuzzer's main) come with the C harness, built with
# clang -fsanitize=fuzzer,address; the .so leaves their symbols to it (a shared library cannot carry them:
# without --unresolved-symbols=ignore-all the link fails on __sancov_lowest_stack and the like).
swift build -c release --product seqnn --scratch-path .build-fuzz -Xswiftc -sanitize=fuzzer,address \
    -Xlinker --unresolved-symbols=ignore-all >&2
lib="$PWD/.build-fuzz/release"
ln -sf libseqnn.so "$lib/libseqnn.so.0"
clang -g -O1 -fsanitize=fuzzer,address -IInclude tools/fuzz/fuzz_load.c -L"$lib" -Wl,-rpath,"$lib" -lseqnn -o .build-fuzz/fuzz_load
corpus=.build-fuzz/corpus
mkdir -p "$corpus"
find Tests -name '*.h5' -size -200k -exec cp {} "$corpus/" \; 2>/dev/null || true
# -fork/-ignore_crashes keep going after a crash so one run shows every kind; crashes land in .build-fuzz/.
# Known: libhdf5 1.10.8 itself crashes on some corrupted variable-length strings (H5HG_read, the global
# heap); Keras files store their config that way. SeqNN's own files avoid the global heap.
SWIFT_BACKTRACE=enable=no OPENBLAS_NUM_THREADS=1 .build-fuzz/fuzz_load "$corpus" -max_total_time="$seconds" \
  -max_len=65536 -timeout=10 -rss_limit_mb=4096 -fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 \
  -artifact_prefix=.build-fuzz/
