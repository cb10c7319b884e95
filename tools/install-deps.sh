#!/usr/bin/env bash
# Installs the Debian packages SeqNN builds and tests against, if any is missing.
# Safe to run repeatedly; needs root (or sudo) only when something is missing.
set -euo pipefail
# qemu-user and the arm64 cross libraries: the C kernel tests also run as CPUs without AVX-512 / AVX2 and on aarch64.
need=(libhdf5-dev libzip-dev zlib1g-dev libopenblas-dev pkg-config hdf5-tools valgrind cmake qemu-user libc6-dev-arm64-cross libgcc-12-dev-arm64-cross)
missing=()
for p in "${need[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
# Python side (the binding's tests): numpy and pytest for the python3 on PATH.
if ! python3 -c "import numpy, pytest" >/dev/null 2>&1; then
  python3 -m pip install -q numpy pytest
fi
[ ${#missing[@]} -eq 0 ] && exit 0
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
echo "installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
