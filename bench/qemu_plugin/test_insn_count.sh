#!/bin/sh
# mtc — exactness test of the insn_count qemu plugin on a loop of known size (fails on any mismatch)
# SPDX-License-Identifier: Apache-2.0
# Usage: bench/qemu_plugin/test_insn_count.sh [BUILD_DIR]   (default: <repo>/build-bench)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here/../../build-bench}
mkdir -p "$out"
for tool in gcc aarch64-linux-gnu-gcc qemu-aarch64; do
  command -v "$tool" >/dev/null || { echo "error: test_insn_count: '$tool' not found" >&2; exit 1; }
done
gcc -O2 -Wall -Wextra -Werror -shared -fPIC -o "$out/libinsn_count.so" "$here/insn_count.c"
fail=0
for n in 1 1000 7777; do
  aarch64-linux-gnu-gcc -nostdlib -static -DITERS=$n -o "$out/loop_$n" "$here/loop_test.S"
  qemu-aarch64 -plugin "$out/libinsn_count.so,out=$out/loop_$n.txt,blocks=$out/loop_$n.blocks" \
    "$out/loop_$n"
  got=$(tr '\n' ' ' < "$out/loop_$n.txt")
  want="insns $((3 * n + 14)) window $((3 * n + 5)) mark 1 6 mark 2 $((3 * n + 11)) "
  if [ "$got" = "$want" ]; then
    echo "ok   ITERS=$n: $got"
  else
    echo "FAIL ITERS=$n: got '$got', want '$want'" >&2
    fail=1
  fi
  # The block profile must add up to the summary's total.
  sum=$(awk '{ s += $2 * $3 } END { print s }' "$out/loop_$n.blocks")
  if [ "$sum" != "$((3 * n + 14))" ]; then
    echo "FAIL ITERS=$n: block profile sums to $sum" >&2
    fail=1
  fi
done
# A bad option must be refused with a message, not ignored.
if qemu-aarch64 -plugin "$out/libinsn_count.so,bogus=1" "$out/loop_1" 2>/dev/null; then
  echo "FAIL: unknown plugin option accepted" >&2
  fail=1
fi
exit $fail
