#!/usr/bin/env bash
# Builds the release libseqnn.so into .build/release, with the libseqnn.so.0 link its SONAME needs and a
# pkg-config file (seqnn.pc) pointing at this checkout. Prints the library folder on its last line.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/install-deps.sh
swift build -c release --product seqnn >&2
lib="$PWD/.build/release"
ln -sf libseqnn.so "$lib/libseqnn.so.0"
version=$(sed -n 's/^let seqnnVersion: StaticString = "\(.*\)"/\1/p' Sources/SeqNNC/ModelAPI.swift)
sed -e "s|@PREFIX@|$PWD|; s|@LIBDIR@|$lib|; s|@INCLUDEDIR@|$PWD/Include|; s|@VERSION@|$version|" \
    bindings/c/seqnn.pc.in > "$lib/seqnn.pc"
echo "$lib"
