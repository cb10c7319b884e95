#!/usr/bin/env bash
# Compiles every C example with plain cc against the header and the built library, and runs it; each
# example exits non-zero when it misses its stated accuracy. Usage: run.sh LIBDIR (holding libseqnn.so).
set -euo pipefail
cd "$(dirname "$0")/../../.."
lib=$(cd "$1" && pwd)
out=$(mktemp -d "${TMPDIR:-/tmp}/seqnn-examples.XXXXXX")
trap 'rm -rf "$out"' EXIT
for e in digits cnn lstm; do
  cc -std=c11 -Wall -Wextra -Werror -O2 "bindings/c/examples/$e.c" -o "$out/$e" -IInclude -L"$lib" -Wl,-rpath,"$lib" -lseqnn -lm
  echo "--- $e"
  "$out/$e" > "$out/$e.log" || { cat "$out/$e.log"; echo "example $e failed"; exit 1; }
  grep -E "final validation accuracy|streamed" "$out/$e.log"
done
