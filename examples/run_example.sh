#!/usr/bin/env bash
# The main job's example: the inception-style block of examples/inception, compiled ahead of time
# for aarch64 with dotprod, run under qemu-aarch64 (-cpu cortex-a76), and checked byte for byte
# against the reference evaluator.
set -euo pipefail
cd "$(dirname "$0")/.."
MTC=${MTC:-build/bin/mtc}
EX=examples/inception
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT

echo "== mtc compile: -O3 for aarch64+dotprod (weights bound from params.npz, transformed at compile time)"
"$MTC" compile "$EX/inception.relay" --params "$EX/params.npz" --target aarch64+dotprod \
  --print-pass-times -o "$OUT/inception.so" --header "$OUT/inception.h"

echo "== mtc run: under qemu-aarch64 on examples/inception/input.npy"
"$MTC" run "$OUT/inception.so" --input data="$EX/input.npy" --output-dir "$OUT/run"

echo "== mtc eval: the reference evaluator on the same input"
"$MTC" eval "$EX/inception.relay" --params "$EX/params.npz" --input data="$EX/input.npy" \
  --output-dir "$OUT/ref"
cmp "$OUT/ref/output_0.npy" "$OUT/run/output_0.npy"
echo "== compiled aarch64 output is bit-identical to the evaluator ($(stat -c %s "$OUT/ref/output_0.npy") bytes)"
