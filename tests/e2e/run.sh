#!/usr/bin/env bash
# mtc — end-to-end tests: every case of gen_cases.py is compiled for the host and the three
# aarch64 variants, run (under qemu-aarch64 for aarch64, with the cpu each variant needs) and
# compared bit for bit with `mtc eval` (compare.py; float NaNs match any NaN).
#
#   tests/e2e/run.sh [--full] [--targets "host aarch64 aarch64+dotprod aarch64+i8mm"]
#                    [--cases REGEX] [--keep DIR]
#
# The default set (edge cases and small graphs) takes a few minutes; --full adds the 33 TVM
# workloads of docs/codegen.md (much longer under emulation). Needs build/bin/mtc (or $MTC_BIN),
# /usr/bin/python3 with numpy, qemu-user and g++-aarch64-linux-gnu.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
mtc="${MTC_BIN:-$root/build/bin}/mtc"
full=""
targets="host aarch64 aarch64+dotprod aarch64+i8mm"
filter="."
keep=""
while [ $# -gt 0 ]; do
  case "$1" in
    --full) full="--full" ;;
    --targets) targets="$2"; shift ;;
    --cases) filter="$2"; shift ;;
    --keep) keep="$2"; shift ;;
    *) echo "usage: $0 [--full] [--targets LIST] [--cases REGEX] [--keep DIR]" >&2; exit 2 ;;
  esac
  shift
done
[ -x "$mtc" ] || { echo "error: $mtc not found (build first or set MTC_BIN)" >&2; exit 2; }
/usr/bin/python3 -c "import numpy" 2>/dev/null ||
  { echo "error: /usr/bin/python3 cannot import numpy (install the Debian package python3-numpy)" >&2; exit 2; }
work="${keep:-$(mktemp -d)}"
mkdir -p "$work"
[ -n "$keep" ] || trap 'rm -rf "$work"' EXIT
export MTC_CACHE_DIR="${MTC_CACHE_DIR:-$work/cache}"
/usr/bin/python3 "$here/gen_cases.py" "$work/cases" $full

pass=0; fail=0; failed=()
for dir in "$work"/cases/*/; do
  case_name="$(basename "$dir")"
  echo "$case_name" | grep -Eq "$filter" || continue
  params=(); [ -f "$dir/params.npz" ] && params=(--params "$dir/params.npz")
  inputs=()
  for f in "$dir"/*.npy; do inputs+=(--input "$(basename "$f" .npy)=$f"); done
  "$mtc" eval "$dir/model.relay" "${params[@]}" "${inputs[@]}" --output-dir "$dir/ref" >/dev/null
  for t in $targets; do
    tag="${t//+/_}"
    so="$dir/$tag.so"
    start=$(date +%s%N)
    if "$mtc" compile "$dir/model.relay" "${params[@]}" --target "$t" -o "$so" --quiet \
         >"$dir/$tag.compile.txt" 2>&1 &&
       "$mtc" run "$so" "${inputs[@]}" --output-dir "$dir/$tag" >"$dir/$tag.run.txt" 2>&1; then
      ok=1
      /usr/bin/python3 "$here/compare.py" "$dir/ref" "$dir/$tag" >>"$dir/$tag.run.txt" || ok=0
    else
      ok=0
    fi
    tenths=$((($(date +%s%N) - start) / 100000000))
    secs="$((tenths / 10)).$((tenths % 10))"
    if [ "$ok" = 1 ]; then
      pass=$((pass + 1)); printf "PASS %-40s %-16s %6ss\n" "$case_name" "$t" "$secs"
    else
      fail=$((fail + 1)); failed+=("$case_name/$t")
      printf "FAIL %-40s %-16s (see %s)\n" "$case_name" "$t" "$dir$tag.*.txt"
      cat "$dir/$tag.compile.txt" "$dir/$tag.run.txt" 2>/dev/null | tail -5 | sed 's/^/     /'
    fi
  done
done
echo "e2e: $pass passed, $fail failed"
[ "$fail" = 0 ] || { printf '  %s\n' "${failed[@]}"; exit 1; }
