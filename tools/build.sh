#!/usr/bin/env bash
# Builds SeqNN's shipped form and lays it out as an install tree in .build/install; prints its lib folder
# on the last line. That tree is what the tests run against, what tools/install.sh copies and what
# tools/package.sh packs, so what ships is what was tested:
#
#   lib/libseqnn.so.X.Y.Z    the library, Swift runtime linked in (NEEDs only libc, libm, libstdc++,
#   lib/libseqnn.so.0        libgcc_s and libhdf5), stripped; SONAME libseqnn.so.0; the development link
#   lib/libseqnn.so          libseqnn.so
#   lib/pkgconfig/seqnn.pc   relocatable (paths from its own folder)
#   lib/cmake/seqnn/         find_package(seqnn CONFIG) -> seqnn::seqnn, with a version file
#   include/seqnn.h
#   lib/seqnn-reader         the process in which libhdf5 reads untrusted model files (plain C, found by
#                            libseqnn.so beside itself; ReaderProcess.swift)
#   bin/seqinspect           independent of the Swift toolchain too
#   share/doc/seqnn/         README, LICENSE, third-party notices
#
# Environment: SEQNN_STAGE (default .build/install) sets the tree's folder.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/install-deps.sh

# SwiftPM's --static-swift-stdlib affects executables only; -static-stdlib given to swiftc links the Swift
# runtime into the shared library too (at compile and link time: given only to the linker, the .so is
# left with undefined runtime symbols).
swift build -c release -Xswiftc -static-stdlib --product seqnn >&2
swift build -c release -Xswiftc -static-stdlib --product seqinspect >&2
build="$PWD/.build/release"

version=$(bash tools/version.sh)
stage=${SEQNN_STAGE:-$PWD/.build/install}
rm -rf "$stage"
mkdir -p "$stage"/{lib/pkgconfig,lib/cmake/seqnn,include,bin,share/doc/seqnn}

# --strip-unneeded keeps the dynamic symbol table (the seqnn_* exports); what goes is debug information
# and the static symbol table, about half the size.
strip --strip-unneeded -o "$stage/lib/libseqnn.so.$version" "$build/libseqnn.so"
chmod 755 "$stage/lib/libseqnn.so.$version"
ln -s "libseqnn.so.$version" "$stage/lib/libseqnn.so.0"
ln -s libseqnn.so.0 "$stage/lib/libseqnn.so"
# Plain C, compiled by cc rather than SwiftPM (whose link would add the Swift runtime and a toolchain RUNPATH):
# it needs only libc, and libseqnn.so, which it dlopens by the absolute path the library hands it.
${CC:-cc} -O2 -Wall -Wextra -Werror -o "$stage/lib/seqnn-reader" Sources/seqnn-reader/main.c
strip --strip-unneeded "$stage/lib/seqnn-reader"
chmod 755 "$stage/lib/seqnn-reader"
strip --strip-unneeded -o "$stage/bin/seqinspect" "$build/seqinspect"
chmod 755 "$stage/bin/seqinspect"
install -m 644 Include/seqnn.h "$stage/include/seqnn.h"

fill() { sed "s|@VERSION@|$version|g" "$1" > "$2"; }
fill bindings/c/seqnn.pc.in "$stage/lib/pkgconfig/seqnn.pc"
fill bindings/c/cmake/seqnnConfig.cmake.in "$stage/lib/cmake/seqnn/seqnnConfig.cmake"
fill bindings/c/cmake/seqnnConfigVersion.cmake.in "$stage/lib/cmake/seqnn/seqnnConfigVersion.cmake"
install -m 644 README.md LICENSE THIRD_PARTY_NOTICES.md "$stage/share/doc/seqnn/"

echo "$stage/lib"
