#!/usr/bin/env bash
# Installs what is needed, builds, and runs every test: Catch2 unit tests, lit + FileCheck tests,
# and the parser and .npy reader under AddressSanitizer + UndefinedBehaviorSanitizer.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install_deps.sh
bash scripts/build.sh
ctest --test-dir build --output-on-failure
