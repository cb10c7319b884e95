#!/usr/bin/env bash
# Prints SeqNN's version, the one seqnn_version() returns: its single source is seqnnVersion in
# Sources/SeqNNC/ModelAPI.swift. Used by the build, install, packaging and package-test scripts.
set -euo pipefail
v=$(sed -n 's/^let seqnnVersion: StaticString = "\(.*\)"/\1/p' "$(dirname "$0")/../Sources/SeqNNC/ModelAPI.swift")
[ -n "$v" ] || { echo "version.sh: no seqnnVersion in Sources/SeqNNC/ModelAPI.swift" >&2; exit 1; }
echo "$v"
