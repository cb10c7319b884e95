#!/usr/bin/env bash
# The demo: the Keras tutorial's Dense(32, relu) -> Dense(10, softmax) classifier trained from C on the
# 8x8 handwritten digits, with a Keras-style progress bar. Installs what it needs first.
set -euo pipefail
cd "$(dirname "$0")/.."
lib=$(bash tools/build.sh | tail -n 1)
mkdir -p .build/examples
cc -std=c11 -Wall -Wextra -Werror -O2 bindings/c/examples/digits.c -o .build/examples/digits \
   $(PKG_CONFIG_PATH="$lib/pkgconfig" pkg-config --cflags --libs seqnn) -Wl,-rpath,"$lib"
OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-1} .build/examples/digits data/digits/digits.csv
