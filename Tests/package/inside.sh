#!/usr/bin/env bash
# The part of Tests/package/run.sh that runs inside a private mount namespace, as a user's machine without
# Swift: inside.sh WORK PREFIX TOOLCHAIN CHECKOUT WHEEL. Not meant to be run by hand.
set -euo pipefail
work=$1 prefix=$2 toolchain=$3 checkout=$4 wheel=$5
src="$work/src"
cd "$work"

hide() { mount -t tmpfs -o ro,size=4k seqnn-hidden "$1"; }
[ -n "$toolchain" ] && hide "$toolchain"
hide "$checkout"
if command -v swift >/dev/null || [ -e "$checkout/Package.swift" ]; then
  echo "inside.sh: the toolchain or the checkout is still visible" >&2; exit 1
fi
echo "  swift: $(command -v swift || echo 'not found'); $checkout: $(ls -A "$checkout" | wc -l) entries"

# No library of the shipped form may resolve into the hidden folders (ldd would say "not found").
for f in "$prefix/lib/libseqnn.so" "$prefix/bin/seqinspect"; do
  if ldd "$f" | grep -E "not found|$checkout${toolchain:+|$toolchain}"; then
    echo "inside.sh: $f does not load on its own" >&2; exit 1
  fi
done

echo "--- C through pkg-config"
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
cc -std=c11 -Wall -Wextra -Werror "$src/roundtrip.c" -o "$work/roundtrip-pc" \
   $(pkg-config --cflags --libs seqnn) -Wl,-rpath,"$(pkg-config --variable=libdir seqnn)" -lm
"$work/roundtrip-pc" "$work/from-pkgconfig.h5"

echo "--- C through CMake find_package(seqnn CONFIG)"
cmake -S "$src" -B "$work/cmake" -DCMAKE_PREFIX_PATH="$prefix" > "$work/cmake.log" 2>&1 || { cat "$work/cmake.log"; exit 1; }
grep "seqnn .* found in" "$work/cmake.log"
cmake --build "$work/cmake" > "$work/cmake-build.log" 2>&1 || { cat "$work/cmake-build.log"; exit 1; }
"$work/cmake/roundtrip" "$work/from-cmake.h5"

echo "--- README's C quick start, as written there"
(cd "$work/readme" && unset PKG_CONFIG_PATH && bash -euo pipefail quickstart.sh)

echo "--- seqinspect --verify"
"$prefix/bin/seqinspect" "$src/keras3.h5" --verify | tail -n 1
"$prefix/bin/seqinspect" "$src/keras3.keras" --verify | tail -n 1
"$prefix/bin/seqinspect" "$work/from-cmake.h5" --verify | tail -n 1
echo "--- a file that crashes libhdf5 is an error of the reader process (lib/seqnn-reader), not a crash"
set +e
msg=$("$prefix/bin/seqinspect" "$src/libhdf5_crash.h5" 2>&1); rc=$?
set -e
echo "$msg" | tail -n 1
[ $rc = 2 ] && echo "$msg" | grep -q "crashed libhdf5" || { echo "inside.sh: expected a contained crash (status 2)" >&2; exit 1; }

echo "--- dlopen / dlclose"
cc -std=c11 -Wall -Wextra -Werror "$src/dlclose.c" -o "$work/dlclose" -ldl
"$work/dlclose" "$prefix/lib/libseqnn.so"

echo "--- the wheel, in a fresh venv, with the system's libhdf5 and libzip hidden too"
for so in /usr/lib/*/libhdf5*.so* /lib/*/libhdf5*.so* /usr/lib/*/libzip.so* /lib/*/libzip.so*; do
  [ -f "$so" ] && [ ! -L "$so" ] && mount --bind /dev/null "$so"
done
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install -q "$src/$wheel"
cd "$work"   # not the source folder: the package must come from the venv
"$work/venv/bin/python" "$src/keras_script.py"
echo "--- the wheel's reader process contains a libhdf5 crash"
"$work/venv/bin/python" -c "
import sys, seqnn.models as m
try:
    m.load_model(sys.argv[1])
except ValueError as e:
    assert 'crashed libhdf5' in str(e), e
    print('contained:', str(e)[-90:])
else:
    sys.exit('loaded a file that crashes libhdf5')" "$src/libhdf5_crash.h5"
echo "--- README's Python quick start"
"$work/venv/bin/python" "$src/quickstart.py" > "$work/quickstart-py.log" 2>&1 || { cat "$work/quickstart-py.log"; exit 1; }
tail -n 2 "$work/quickstart-py.log"
