#!/bin/sh
# mtc — builds everything the benchmarks need and runs them all, regenerating every generated
# section of docs/benchmarks.md (and docs/bench_ratio.png):
#   run_bench.py   aarch64 instruction counts of mtc and the peers under qemu, output checks,
#                  mtc's phase split, the ratio plot (--build: mtc, arm64 sysroot, peer drivers)
#   kernel_mca.py  mtc's micro-kernel inner loops under llvm-mca
#   peer_mca.py    the peers' inner loops under llvm-mca
#   host_bench.py  host wall clock against XNNPACK (x86) and oneDNN (--build: their drivers)
# Usage: bench/run_all.sh [--full]   (--full: also every inception and MobileNet workload, into
#                                    the page's run_bench_full section)
# Each step reports its own errors; the exit status is non-zero if any step failed.
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo" || exit 1
status=0
step() {
  echo "== $*" >&2
  "$@" || { echo "error: run_all: '$*' failed" >&2; status=1; }
}
step /usr/bin/python3 bench/run_bench.py --build --doc docs/benchmarks.md --plot docs/bench_ratio.png
if [ "${1:-}" = "--full" ]; then
  step /usr/bin/python3 bench/run_bench.py --full --doc docs/benchmarks.md --section run_bench_full \
    --plot docs/bench_ratio_full.png
fi
step /usr/bin/python3 bench/kernel_mca.py --doc docs/benchmarks.md
step /usr/bin/python3 bench/peer_mca.py --doc docs/benchmarks.md
step /usr/bin/python3 bench/host_bench.py --build --doc docs/benchmarks.md "$@"
exit $status
