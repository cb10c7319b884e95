#!/usr/bin/env bash
# Tests/package/run.sh [DIST] - what ships is what is tested: the release tarball and the wheel, used the
# way a C or Python user on a machine without Swift would use them.
#
#   1. runs tools/package.sh (unless DIST, a folder holding both artifacts, is given);
#   2. checks the library's ELF facts: NEEDED only libc, libm, libstdc++, libgcc_s, libhdf5, libzip (and the
#      loader), SONAME libseqnn.so.0, NODELETE, the libseqnn.so.X.Y.Z -> .so.0 -> .so links; seqinspect
#      likewise; and that tools/install.sh, with DESTDIR, installs exactly the tarball's files;
#   3. in a private mount namespace (unshare -m) with an empty folder mounted over the Swift toolchain and
#      over this checkout, and nothing of the checkout in any path or variable:
#      - unpacks the tarball into a temporary prefix; builds Tests/package/roundtrip.c through pkg-config
#        and through CMake's find_package(seqnn CONFIG) and runs both (train, save, load, predict);
#        runs README's C quick start, its shell lines as written, beside a copy of the tarball; runs `seqinspect --verify` on a file
#        written by Keras 3 and on one written above; dlopen/dlclose the library three times (dlclose.c);
#      - then hides the system's libhdf5 and libzip too, installs the wheel into a fresh venv and runs a Keras-style
#        script (keras_script.py) and README's Python quick start there.
# Exits non-zero if any step fails. Needs root for unshare/mount; without them it says so and fails.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
here="$root/Tests/package"

if [ $# -ge 1 ]; then
  dist=$(cd "$1" && pwd)
else
  dist="$root/dist"
  bash "$root/tools/package.sh" "$dist" > /dev/null
fi
version=$(bash "$root/tools/version.sh")
tarball="$dist/seqnn-$version-linux-$(uname -m).tar.gz"
wheel=$(ls "$dist"/seqnn-"$version"-py3-none-*.whl 2>/dev/null | head -n 1)
[ -f "$tarball" ] || { echo "package test: $tarball not found" >&2; exit 1; }
[ -n "$wheel" ] || { echo "package test: no seqnn-$version wheel in $dist" >&2; exit 1; }

work=$(mktemp -d /tmp/seqnn-shipped.XXXXXX)
trap 'rm -rf "$work"' EXIT
case "$work/" in "$root"/*) echo "package test: the work folder $work is inside the checkout" >&2; exit 1 ;; esac

# Everything the test uses is copied out of the checkout first: the checkout is hidden later.
mkdir -p "$work/src" "$work/prefix"
cp "$here/roundtrip.c" "$here/dlclose.c" "$here/CMakeLists.txt" "$here/keras_script.py" "$here/inside.sh" "$work/src/"
cp "$root/Tests/SeqNNFileTests/Fixtures/keras3/mlp_rmsprop.h5" "$work/src/keras3.h5"
cp "$root/Tests/SeqNNFileTests/Fixtures/keras3_archive/mlp_rmsprop.keras" "$work/src/keras3.keras"
cp "$root/Tests/SeqNNFileTests/Fixtures/hostile/libhdf5_crash.h5" "$work/src/libhdf5_crash.h5"
cp "$wheel" "$work/src/"
# README's quick starts, exactly as written there: the first ```c block under "## C quick start" and the
# first ```python block under "## Python quick start".
readme_block() {
  awk -v head="$1" -v lang="$2" '
    $0 == head { in_section = 1; next }
    in_section && /^## / { exit }
    in_section && !in_code && $0 == "```" lang { in_code = 1; next }
    in_code && $0 == "```" { exit }
    in_code { print }' "$root/README.md"
}
# The C one is built and run by README's own shell lines, in a folder holding just the tarball.
mkdir -p "$work/readme"
readme_block "## C quick start" c > "$work/readme/quickstart.c"
readme_block "## C quick start" sh > "$work/readme/quickstart.sh"
readme_block "## Python quick start" python > "$work/src/quickstart.py"
for f in "$work/readme/quickstart.c" "$work/readme/quickstart.sh" "$work/src/quickstart.py"; do
  [ -s "$f" ] || { echo "package test: README.md's quick start for $(basename "$f") was not found" >&2; exit 1; }
done
cp "$tarball" "$work/readme/"
tar xzf "$tarball" -C "$work/prefix"
prefix="$work/prefix/seqnn-$version-linux-$(uname -m)"
[ -d "$prefix" ] || { echo "package test: the tarball's top folder is not $(basename "$prefix")" >&2; exit 1; }

echo "== ELF facts of the shipped library and tool"
status=0
allowed='^(libc\.so\.6|libm\.so\.6|libstdc\+\+\.so\.6|libgcc_s\.so\.1|libhdf5_serial\.so\.103|libzip\.so\.4|ld-linux[-a-z0-9_.]*\.so\.[0-9])$'
for f in "$prefix/lib/libseqnn.so.$version" "$prefix/bin/seqinspect" "$prefix/lib/seqnn-reader"; do
  needed=$(readelf -d "$f" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
  echo "  $(basename "$f"): NEEDED $(echo $needed)"
  extra=$(echo "$needed" | grep -vE "$allowed" || true)
  [ -z "$extra" ] || { echo "  FAIL: $(basename "$f") needs $(echo $extra)"; status=1; }
  if readelf -d "$f" | grep -qE "R(UN)?PATH.*/"; then
    echo "  FAIL: $(basename "$f") has an absolute RPATH/RUNPATH: $(readelf -d "$f" | grep -E 'R(UN)?PATH')"; status=1
  fi
done
readelf -d "$prefix/lib/libseqnn.so.$version" | grep -q "SONAME.*\[libseqnn\.so\.0\]" || { echo "  FAIL: SONAME is not libseqnn.so.0"; status=1; }
readelf -d "$prefix/lib/libseqnn.so.$version" | grep -q "FLAGS_1.*NODELETE" || { echo "  FAIL: not linked with -z nodelete"; status=1; }
[ "$(readlink "$prefix/lib/libseqnn.so.0")" = "libseqnn.so.$version" ] && [ "$(readlink "$prefix/lib/libseqnn.so")" = libseqnn.so.0 ] \
  || { echo "  FAIL: lib/libseqnn.so -> libseqnn.so.0 -> libseqnn.so.$version links are wrong"; status=1; }
for f in include/seqnn.h lib/pkgconfig/seqnn.pc lib/cmake/seqnn/seqnnConfig.cmake lib/cmake/seqnn/seqnnConfigVersion.cmake \
         share/doc/seqnn/README.md share/doc/seqnn/LICENSE share/doc/seqnn/THIRD_PARTY_NOTICES.md; do
  [ -f "$prefix/$f" ] || { echo "  FAIL: the tarball lacks $f"; status=1; }
done
if grep -rqF "$root" "$prefix/lib/pkgconfig" "$prefix/lib/cmake"; then echo "  FAIL: a path into the checkout in seqnn.pc or the CMake config"; status=1; fi
"$root/tools/check_exports.sh" "$prefix/lib" | sed 's/^/  /' || status=1
[ $status -eq 0 ] || exit 1

echo "== tools/install.sh into DESTDIR: the same files as the tarball, no path of the build in them"
DESTDIR="$work/destdir" bash "$root/tools/install.sh" --prefix /opt/seqnn > "$work/install.log" 2>&1 \
  || { cat "$work/install.log"; exit 1; }
diff -r --no-dereference "$work/destdir/opt/seqnn" "$prefix" && echo "  $(cd "$prefix" && find . ! -type d | wc -l) files and links, identical"

# The Swift toolchain's install folder (the one holding usr/bin/swift), hidden below.
toolchain=""
if command -v swift >/dev/null; then
  toolchain=$(cd "$(dirname "$(readlink -f "$(command -v swift)")")/../.." && pwd)
fi
if ! unshare -m true 2>/dev/null; then
  echo "package test: cannot make a private mount namespace (unshare -m needs root); the toolchain cannot be hidden" >&2
  exit 1
fi
clean_path=$(echo "$PATH" | tr ':' '\n' | grep -vF "$root" | { [ -n "$toolchain" ] && grep -vF "$toolchain" || cat; } | paste -sd: -)
echo "== in a private mount namespace: toolchain (${toolchain:-none found}) and checkout ($root) hidden"
cd "$work"
env -i HOME="$work/home" PATH="$clean_path" TMPDIR="$work" LANG=C.UTF-8 OPENBLAS_NUM_THREADS=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1 PIP_CACHE_DIR="${XDG_CACHE_HOME:-$HOME/.cache}/pip" \
    unshare -m --propagation private bash "$work/src/inside.sh" "$work" "$prefix" "$toolchain" "$root" "$(basename "$wheel")"
echo "== package test passed: tarball $(du -h "$tarball" | cut -f1), wheel $(du -h "$wheel" | cut -f1)"
