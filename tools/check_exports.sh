#!/usr/bin/env bash
# check_exports.sh LIBDIR - the exported symbols of LIBDIR/libseqnn.so must be exactly the functions
# declared in Include/seqnn.h (ARCHITECTURE §3): no seqnn_* missing or extra, and no other global symbol.
# Prints the differences; exits 0 when the sets agree, 1 when they differ, 2 on a usage error.
set -euo pipefail

if [ $# -ne 1 ]; then
    echo "usage: $0 LIBDIR   (the directory holding libseqnn.so)" >&2
    exit 2
fi
libdir=$1
lib="$libdir/libseqnn.so"
root=$(cd "$(dirname "$0")/.." && pwd)
header="$root/Include/seqnn.h"

[ -f "$lib" ] || { echo "check_exports: $lib not found" >&2; exit 2; }
[ -f "$header" ] || { echo "check_exports: $header not found" >&2; exit 2; }
command -v nm >/dev/null || { echo "check_exports: nm not found (install binutils)" >&2; exit 2; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Every defined global dynamic symbol, name only (strip @VERSION / @@VERSION suffixes).
nm -D --defined-only -g "$lib" | awk 'NF >= 3 { print $3 }' | sed 's/@.*//' | sort -u > "$tmp/all"
grep -E '^seqnn_' "$tmp/all" > "$tmp/exported" || true
grep -vE '^seqnn_' "$tmp/all" > "$tmp/other" || true

# Function declarations in the header (typedef'd callback types are not `name(`, so they do not match).
grep -oE '\bseqnn_[a-z0-9_]+[[:space:]]*\(' "$header" | sed -E 's/[[:space:]]*\($//' | sort -u > "$tmp/declared"

status=0
missing=$(comm -23 "$tmp/declared" "$tmp/exported")
extra=$(comm -13 "$tmp/declared" "$tmp/exported")
if [ -n "$missing" ]; then
    echo "check_exports: declared in seqnn.h but not exported by $lib:"
    echo "$missing" | sed 's/^/  - /'
    status=1
fi
if [ -n "$extra" ]; then
    echo "check_exports: exported by $lib but not declared in seqnn.h:"
    echo "$extra" | sed 's/^/  + /'
    status=1
fi
if [ -s "$tmp/other" ]; then
    echo "check_exports: global symbols outside the seqnn_ prefix exported by $lib:"
    sed 's/^/  ! /' "$tmp/other"
    status=1
fi
if [ $status -eq 0 ]; then
    echo "check_exports: OK: $(wc -l < "$tmp/declared") functions declared in seqnn.h, the same $(wc -l < "$tmp/exported") exported, nothing else"
fi
exit $status
