#!/usr/bin/env bash
# Configures and builds mtc into build/ (mtc lands at build/bin/mtc).
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
ninja -C build "$@"
