#!/usr/bin/python3
# mtc — one benchmark convolution as an mtc model, with exactly the peers' data and quantization
# SPDX-License-Identifier: Apache-2.0
"""Writes model.relay, params.npz and input.npy for one conv2d workload such that the model
computes what the peer drivers of bench/peers/ compute: the same xorshift64* data in the same
order (input, weights [OC][KH][KW][IC], bias), the same zero points and scales, and
requantization with gemmlowp's fixed-point rounding (`rounding="TFLITE"`).

  qu8: uint8 data (zp 128, scale 0.5), uint8 weights (zp 127, scale 0.25), uint8 output (zp 125)
  qc8: int8 data (zp 3, scale 0.5), int8 weights (zp 0, per-channel scales 0.25·(1 + (o mod 7)/16)),
       int8 output (zp −2)

The output scale is bench/peers/common.h's benchOutScale. Needs python3-numpy.
Usage: bench/mtc_conv.py OUT_DIR B IC HW OC K STRIDE PAD DIL DTYPE   (PAD: p or t,l,b,r)
"""
import math
import os
import sys

import numpy as np

MASK = (1 << 64) - 1


class XorShift:
  """bench/peers/common.h's benchRand / benchUniform, bit for bit."""

  def __init__(self):
    self.s = 0x9E3779B97F4A7C15

  def uniform(self, lo, hi, n):
    out = np.empty(n, dtype=np.int64)
    s, span = self.s, hi - lo + 1
    for i in range(n):
      s ^= s >> 12
      s ^= (s << 25) & MASK
      s ^= s >> 27
      out[i] = lo + (((s * 0x2545F4914F6CDD1D) & MASK) >> 11) % span
    self.s = s
    return out


def pads(p):
  """(top, left, bottom, right) of a workload's padding field (an int or a 4-tuple)."""
  return tuple(p) if isinstance(p, (tuple, list)) else (p, p, p, p)


def outHW(wl):
  """(OH, OW) of a workload (B, IC, HW, OC, K, stride, pad, dil)."""
  b, ic, hw, oc, k, s, p, d = wl
  t, l, bo, r = pads(p)
  return ((hw + t + bo - d * (k - 1) - 1) // s + 1, (hw + l + r - d * (k - 1) - 1) // s + 1)


def outScale(wl):
  """benchOutScale(c, 0.5, 0.25) of common.h, rounded to float32 as the peers pass it."""
  k = wl[4] * wl[4] * wl[1]
  return float(np.float32(0.5 * 0.25 * math.sqrt(k) * 73.9 * 73.3 / 40.0))


def f32(x):
  """A float32 value as a Relay literal that parses back to the same float32."""
  return "%.9gf" % float(np.float32(x))


def write(outDir, wl, dtype):
  """Writes the three files of workload `wl` for DTYPE 'qu8' or 'qc8'; returns their paths."""
  b, ic, hw, oc, k, s, p, d = wl
  if dtype not in ("qu8", "qc8"):
    raise ValueError("dtype '%s' is not qu8 or qc8" % dtype)
  unsigned = dtype == "qu8"
  rng = XorShift()
  data = rng.uniform(0, 255, b * hw * hw * ic).astype(np.uint8)
  if not unsigned:
    data = data.view(np.int8)
  data = data.reshape(b, hw, hw, ic)
  if unsigned:
    w = rng.uniform(0, 255, oc * k * k * ic).astype(np.uint8)
  else:
    w = rng.uniform(-127, 127, oc * k * k * ic).astype(np.int8)
  w = np.ascontiguousarray(w.reshape(oc, k, k, ic).transpose(1, 2, 3, 0))  # OHWI -> HWIO
  bias = rng.uniform(-10000, 10000, oc).astype(np.int32)
  if unsigned:
    inZp, wZp, outZp, t = 128, 127, 125, "uint8"
    wScale = np.full(oc, 0.25, dtype=np.float32)
  else:
    inZp, wZp, outZp, t = 3, 0, -2, "int8"
    wScale = np.array([0.25 * (1.0 + (o % 7) / 16.0) for o in range(oc)], dtype=np.float32)
  accScale = (np.float32(0.5) * wScale).astype(np.float32)
  pt, pl, pb, pr = pads(p)
  os.makedirs(outDir, exist_ok=True)
  model = os.path.join(outDir, "model.relay")
  with open(model, "w") as f:
    f.write('#[version = "0.0.5"]\n')
    f.write("// bench workload %s %s (bench/mtc_conv.py)\n" % (",".join(map(str, wl)), dtype))
    f.write("def @main(%%data: Tensor[(%d, %d, %d, %d), %s], %%weight: Tensor[(%d, %d, %d, %d), %s],\n"
            "          %%w_scale: Tensor[(%d), float32], %%bias: Tensor[(%d), int32],\n"
            "          %%acc_scale: Tensor[(%d), float32]) {\n"
            % (b, hw, hw, ic, t, k, k, ic, oc, t, oc, oc, oc))
    f.write("  %%0 = qnn.conv2d(%%data, %%weight, %d, %d, 0.5f, %%w_scale, strides=[%d, %d], "
            "padding=[%d, %d, %d, %d], dilation=[%d, %d], channels=%d, kernel_size=[%d, %d], "
            'data_layout="NHWC", kernel_layout="HWIO", out_dtype="int32");\n'
            % (inZp, wZp, s, s, pt, pl, pb, pr, d, d, oc, k, k))
    f.write("  %1 = nn.bias_add(%0, %bias, axis=3);\n")
    f.write('  qnn.requantize(%%1, %%acc_scale, 0, %s, %d, axis=3, rounding="TFLITE", '
            'out_dtype="%s")\n}\n' % (f32(outScale(wl)), outZp, t))
  params = os.path.join(outDir, "params.npz")
  np.savez(params, weight=w, w_scale=wScale, bias=bias, acc_scale=accScale)
  inp = os.path.join(outDir, "input.npy")
  np.save(inp, data)
  return model, params, inp


def main():
  if len(sys.argv) != 11:
    sys.exit("usage: %s OUT_DIR B IC HW OC K STRIDE PAD DIL DTYPE" % sys.argv[0])
  try:
    nums = [int(v) for v in sys.argv[2:7]]
    s = int(sys.argv[7])
    p = [int(v) for v in sys.argv[8].split(",")]
    d = int(sys.argv[9])
  except ValueError as e:
    sys.exit("error: %s" % e)
  if len(p) not in (1, 4):
    sys.exit("error: PAD must be p or t,l,b,r")
  wl = tuple(nums) + (s, p[0] if len(p) == 1 else tuple(p), d)
  for path in write(sys.argv[1], wl, sys.argv[10]):
    print(path)


if __name__ == "__main__":
  main()
