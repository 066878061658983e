#!/usr/bin/env bash
# End-to-end tests (compile for host and aarch64, run under qemu, compare with mtc eval).
#   scripts/e2e.sh           the CI subset (edge cases, a few minutes)
#   scripts/e2e.sh --full    plus the 33 TVM GEMM workloads
# More options: tests/e2e/run.sh --help.
exec "$(dirname "$0")/../tests/e2e/run.sh" "$@"
