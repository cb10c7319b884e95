#!/usr/bin/env bash
# Tests/kernels/run.sh [--aarch64] [--emulated] - builds the C kernels (Sources/CSeqNNKernels, and cpu.c, the
# backend decision) with Tests/kernels/kernel_test.c, warnings as errors, and runs the test:
#   (default)   natively, once per backend (SEQNN_BACKEND=avx512, avx2, portable; one the CPU lacks must fall
#               back, which the test checks)
#   --emulated  also under qemu-x86_64 as CPUs without AVX-512 (Haswell) and without AVX2 (Nehalem), each
#               asked for avx512: the fallback must pick what that CPU has and never run an instruction it
#               lacks (a SIGILL fails the run)
#   --aarch64   cross-compiled for aarch64 (clang --target; apt install libc6-dev-arm64-cross
#               libgcc-12-dev-arm64-cross qemu-user) and run under qemu-aarch64: the portable path, and a
#               build without warnings there
# Needs clang (the Swift toolchain's is fine; $CLANG overrides). Exit status 0 when every run passes.
set -euo pipefail
cd "$(dirname "$0")/../.."
aarch64=0 emulated=0
for a in "$@"; do
    case $a in
        --aarch64) aarch64=1 ;;
        --emulated) emulated=1 ;;
        *) echo "usage: $0 [--aarch64] [--emulated]" >&2; exit 2 ;;
    esac
done
CC=${CLANG:-clang}   # clang-only flags below (--target, -fuse-ld=lld)
K=Sources/CSeqNNKernels
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
# The kernels with the package's flags (Package.swift: -fno-math-errno, default FP contraction); only the
# test's own reference loops are built without contraction, so its optimizer references round as the
# kernels' do (they turn contraction off themselves).
build() {   # build OUTPUT LINKFLAGS [extra clang flags...]
    local exe=$1 link=$2; shift 2
    local objs=()
    for f in "$K"/*.c Sources/CSeqNNBLAS/cpu.c; do
        local o="$out/$(basename "$f" .c).$(basename "$exe").o"
        "$CC" "$@" -c -O2 -Wall -Wextra -Werror -fno-math-errno -I "$K/include" -I Sources/CSeqNNBLAS/include "$f" -o "$o"
        objs+=("$o")
    done
    "$CC" "$@" -O2 -Wall -Wextra -Werror -ffp-contract=off -fno-math-errno -I "$K/include" -I Sources/CSeqNNBLAS/include \
        $link Tests/kernels/kernel_test.c "${objs[@]}" -o "$exe" -lm -lpthread
}

if [ "$(uname -m)" = x86_64 ]; then
    build "$out/kernel_test" ""
    for b in avx512 avx2 portable; do
        echo "== kernel_test, SEQNN_BACKEND=$b"
        SEQNN_BACKEND=$b "$out/kernel_test"
    done
    if [ $emulated = 1 ]; then
        command -v qemu-x86_64 >/dev/null || { echo "run.sh: --emulated needs qemu-x86_64 (apt install qemu-user)" >&2; exit 2; }
        for cpu in Haswell Nehalem; do
            echo "== kernel_test under qemu-x86_64 -cpu $cpu, SEQNN_BACKEND=avx512 (must fall back)"
            SEQNN_BACKEND=avx512 qemu-x86_64 -cpu "$cpu" "$out/kernel_test"
        done
    fi
fi

if [ $aarch64 = 1 ]; then
    sysroot=${AARCH64_SYSROOT:-/usr/aarch64-linux-gnu}
    command -v qemu-aarch64 >/dev/null || { echo "run.sh: --aarch64 needs qemu-aarch64 (apt install qemu-user)" >&2; exit 2; }
    [ -d "$sysroot" ] || { echo "run.sh: --aarch64 needs $sysroot (apt install libc6-dev-arm64-cross)" >&2; exit 2; }
    # No --sysroot: clang then finds Debian's cross libc and libgcc (/usr/aarch64-linux-gnu,
    # /usr/lib/gcc-cross) itself, which it does not inside an explicit sysroot.
    build "$out/kernel_test_aarch64" -fuse-ld=lld --target=aarch64-linux-gnu
    echo "== every C source of CSeqNNBLAS and CSeqNNKernels, and seqnn_bench.c, for aarch64: no warnings"
    for f in Sources/CSeqNNBLAS/*.c "$K"/*.c tools/bench/seqnn_bench.c; do
        "$CC" --target=aarch64-linux-gnu -std=gnu11 -fsyntax-only -Wall -Wextra -Werror -I "$K/include" \
            -I Sources/CSeqNNBLAS/include -I Include "$f"
    done
    echo "== kernel_test on aarch64 (qemu-aarch64)"
    qemu-aarch64 -L "$sysroot" "$out/kernel_test_aarch64"
fi
