#!/usr/bin/env bash
# tools/install.sh [--prefix DIR] - builds SeqNN's shipped form (tools/build.sh) and installs it under DIR
# (default /usr/local): lib/ (libseqnn.so.X.Y.Z, libseqnn.so.0, libseqnn.so), lib/pkgconfig/seqnn.pc,
# lib/cmake/seqnn/, lib/seqnn-reader, include/seqnn.h, bin/seqinspect, share/doc/seqnn/.
#
# DESTDIR is honoured as packagers expect: files go to $DESTDIR$DIR, and the installed files name no path
# at all (seqnn.pc and the CMake config compute theirs from their own folder). Without DESTDIR, and as
# root, ldconfig is run so the loader finds libseqnn.so.0 at once.
set -euo pipefail
usage() { echo "usage: $0 [--prefix DIR]   (environment: DESTDIR)" >&2; exit 2; }

prefix=/usr/local
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) [ $# -ge 2 ] || usage; prefix=$2; shift 2 ;;
    --prefix=*) prefix=${1#--prefix=}; shift ;;
    -h|--help) usage ;;
    *) echo "install.sh: unknown argument: $1" >&2; usage ;;
  esac
done
case "$prefix" in /*) ;; *) echo "install.sh: --prefix must be an absolute path, not '$prefix'" >&2; exit 2 ;; esac

root=$(cd "$(dirname "$0")/.." && pwd)
lib=$(bash "$root/tools/build.sh" | tail -n 1)
stage=$(dirname "$lib")
dest="${DESTDIR:-}$prefix"

mkdir -p "$dest"
# -P keeps the libseqnn.so links as links; files replace older ones of the same name.
(cd "$stage" && find . -type d -exec mkdir -p "$dest/{}" \; && \
  find . ! -type d -exec cp -P --remove-destination --preserve=mode,timestamps {} "$dest/{}" \;)
echo "installed SeqNN into $dest:"
(cd "$stage" && find . ! -type d | sed "s|^\./|  $dest/|" | sort)

if [ -z "${DESTDIR:-}" ] && [ "$(id -u)" = 0 ] && command -v ldconfig >/dev/null; then
  ldconfig
fi
