#!/usr/bin/env bash
# Runs every test: Swift unit and Keras-parity tests, the C API tests (also under valgrind), the export
# check and the Python tests against the shipped form of the library, then the release tarball and wheel
# as a user without Swift would use them (Tests/package/run.sh). Installs what it needs first. This is
# README's test command and what CI (.ci/run) runs.
set -euo pipefail
cd "$(dirname "$0")/.."
export OPENBLAS_NUM_THREADS=1 SWIFT_BACKTRACE=enable=no
bash tools/install-deps.sh

mkdir -p .build
echo "== swift test"
swift test 2>&1 | tee .build/swift-test.log | grep -vE "^(\[[0-9]+/[0-9]+\]|Test Case .* (started|passed))" || true
grep -qE "Executed [0-9]+ tests, with 0 failures" .build/swift-test.log
! grep -qE "Test run with [0-9]+ tests.* failed|error: " .build/swift-test.log

# On AVX-512 CPUs the products above ran on SeqNN's own kernels; elsewhere they run on OpenBLAS. Run the
# product, gradient and Keras-parity tests on that path too.
echo "== swift test, products on OpenBLAS (SEQNN_GEMM=openblas)"
SEQNN_GEMM=openblas swift test --skip-build \
    --filter "KernelTests|GradientCheckTests|ModelGradientTests|KerasParityTests|RecurrentParityTests|ConvTests" \
    > .build/swift-test-openblas.log 2>&1 || { tail -40 .build/swift-test-openblas.log; exit 1; }
grep -E "Test run with|Executed [0-9]+ tests" .build/swift-test-openblas.log | tail -2
! grep -qE "Test run with [0-9]+ tests.* failed|error: |with [1-9][0-9]* failures" .build/swift-test-openblas.log

# Every kernel family follows one backend value (Sources/CSeqNNBLAS/cpu.c); SEQNN_BACKEND forces a lower one.
# Run the kernel, optimizer, recurrent, convolution, gradient and Keras-parity tests on the AVX2 and the
# portable paths too (on a CPU without AVX-512 the avx2 run falls back, which BackendTests checks).
backend_filter="KernelTests|PackedWeightsTests|BackendTests|OptimizerTests|RecurrentTests|RecurrentGradientTests|GradientCheckTests|ModelGradientTests|KerasParityTests|RecurrentParityTests|ConvTests|PoolingTests"
for backend in avx2 portable; do
    echo "== swift test, SEQNN_BACKEND=$backend"
    SEQNN_BACKEND=$backend swift test --skip-build --filter "$backend_filter" \
        > .build/swift-test-$backend.log 2>&1 || { tail -40 .build/swift-test-$backend.log; exit 1; }
    grep -E "Test run with|Executed [0-9]+ tests" .build/swift-test-$backend.log | tail -2
    ! grep -qE "Test run with [0-9]+ tests.* failed|error: |with [1-9][0-9]* failures" .build/swift-test-$backend.log
done

# The C kernels alone against plain reference loops, per backend; where qemu-user is installed also as
# CPUs without AVX-512 / AVX2 (the fallback must never run an instruction the CPU lacks) and on aarch64.
echo "== C kernels (Tests/kernels/run.sh)"
kernel_opts=()
command -v qemu-x86_64 >/dev/null && kernel_opts+=(--emulated)
command -v qemu-aarch64 >/dev/null && [ -d /usr/lib/gcc-cross/aarch64-linux-gnu ] && kernel_opts+=(--aarch64)
[ ${#kernel_opts[@]} = 2 ] || echo "   (qemu-user or the aarch64 cross libraries missing: emulated runs skipped)"
bash Tests/kernels/run.sh "${kernel_opts[@]}" 2>&1 | grep -vE "^qemu-x86_64: warning: TCG doesn't support"

echo "== the shipped form (tools/build.sh: Swift runtime inside, stripped, in an install tree)"
lib=$(bash tools/build.sh | tail -n 1)

echo "== C tests"
bash Tests/c/run.sh "$lib"

echo "== corruption corpus (Tests/robustness/corpus.py: mutated Keras 2, Keras 3 and SeqNN files, 0 crashes/hangs)"
python3 Tests/robustness/corpus.py "$lib" --count 1500 --jobs 2 --time-limit 1

echo "== reliability: memory over 300 model lifetimes, statuses under 8 threads (tools/stress/run.sh --short)"
SEQNN_LIB="$lib" bash tools/stress/run.sh --short

echo "== C examples (the demo, a CNN and an LSTM trained from C to a stated accuracy)"
bash bindings/c/examples/run.sh "$lib"

if [ -d Tests/python ] && ls Tests/python/test_*.py >/dev/null 2>&1; then
  echo "== Python tests"
  SEQNN_LIBRARY="$lib/libseqnn.so" python3 -m pytest -q -p no:cacheprovider Tests/python
fi
echo "== release artifacts (tools/package.sh), used outside the checkout with the Swift toolchain hidden"
bash Tests/package/run.sh
echo "== all tests passed"
