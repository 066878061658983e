#!/usr/bin/env bash
# Installs what is needed, builds, and runs every test: the parser, printer and .npy/.npz reader
# under AddressSanitizer + UndefinedBehaviorSanitizer, then through ctest all Catch2 unit tests,
# the lit + FileCheck tests and the CI subset of the end-to-end tests (scripts/e2e.sh; the full
# set, with the 33 TVM workloads, is `bash scripts/e2e.sh --full`).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install_deps.sh

echo "== parser and .npy reader under ASan + UBSan"
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DMTC_SANITIZE=ON >/dev/null
ninja -C build-asan mtc_sanitizer_tests
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  build-asan/bin/mtc_sanitizer_tests

echo "== build and all tests"
bash scripts/build.sh
ctest --test-dir build --output-on-failure
