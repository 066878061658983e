#!/usr/bin/env bash
# Runs the bundled example: the inception-style block of examples/inception.
# Parses and type-checks it, shows what the -O3 pipeline does for aarch64+dotprod, and evaluates
# it with the reference evaluator on the bundled input.
set -euo pipefail
cd "$(dirname "$0")/.."
MTC=${MTC:-build/bin/mtc}
EX=examples/inception
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT

echo "== mtc opt: -O3 pipeline for aarch64+dotprod (weights bound from params.npz)"
"$MTC" opt "$EX/inception.relay" --params "$EX/params.npz" --target aarch64+dotprod \
  --print-pass-times -o "$OUT/optimized.relay"
echo "   optimized module: $(grep -c 'Primitive=1' "$OUT/optimized.relay") primitive functions"

echo "== mtc eval: reference evaluator on examples/inception/input.npy"
"$MTC" eval "$EX/inception.relay" --params "$EX/params.npz" --input data="$EX/input.npy" \
  --output-dir "$OUT/ref"
echo "== mtc eval of the optimized module gives the same bytes"
"$MTC" eval "$OUT/optimized.relay" --input data="$EX/input.npy" --output-dir "$OUT/opt"
cmp "$OUT/ref/output_0.npy" "$OUT/opt/output_0.npy"
echo "   identical: $(stat -c %s "$OUT/ref/output_0.npy") bytes"
