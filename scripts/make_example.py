#!/usr/bin/env python3
"""Generates the bundled example model: an inception-style block of quantized convolutions.

Writes examples/inception/{inception.relay, params.npz, input.npy}. Deterministic (fixed seed);
the output requantization scales are calibrated from the int32 accumulators computed here with
numpy, so the 8-bit outputs use their range. Run with Debian's python3 (needs python3-numpy).
"""
import os
import numpy as np

rng = np.random.default_rng(20260527)
H = W = 17
C_IN = 32
IN_SCALE, IN_ZP = 0.0235, 128        # uint8 activations
OUT_DIR = os.path.join(os.path.dirname(__file__), "..", "examples", "inception")


def conv_nhwc(x, w, stride, pad, dil=1):
    """Exact int64 NHWC x HWIO convolution; pad = (top, left, bottom, right) with value 0."""
    kh, kw, ic, oc = w.shape
    t, l, b, r = pad
    xp = np.pad(x, ((0, 0), (t, b), (l, r), (0, 0)))
    n, hp, wp, _ = xp.shape
    ekh, ekw = (kh - 1) * dil + 1, (kw - 1) * dil + 1
    oh, ow = (hp - ekh) // stride + 1, (wp - ekw) // stride + 1
    out = np.zeros((n, oh, ow, oc), dtype=np.int64)
    for i in range(kh):
        for j in range(kw):
            patch = xp[:, i * dil:i * dil + stride * (oh - 1) + 1:stride,
                       j * dil:j * dil + stride * (ow - 1) + 1:stride, :]
            out += np.tensordot(patch.astype(np.int64), w[i, j].astype(np.int64), axes=([3], [0]))
    return out


params = {}
lines = []
calib_x = rng.integers(0, 256, size=(1, H, W, C_IN), dtype=np.uint8)


def layer(name, x_q, x_scale, x_zp, kh, oc, stride=1, pad=(0, 0, 0, 0), dil=1, rounding="UPWARD"):
    """Adds one qnn.conv2d + bias + requantize; returns the numpy uint8 result and its qparams."""
    ic = x_q.shape[3]
    w = rng.integers(-127, 128, size=(kh, kh, ic, oc), dtype=np.int8)
    w_scale = (rng.uniform(0.002, 0.006, size=oc)).astype(np.float32)      # per-channel
    acc_scale = np.float32(x_scale) * w_scale
    bias = rng.integers(-2000, 2000, size=oc, dtype=np.int32)
    acc = conv_nhwc(x_q.astype(np.int64) - x_zp, w, stride, pad, dil) + bias
    real = acc * acc_scale.astype(np.float64)
    lo, hi = min(real.min(), 0.0), max(real.max(), 0.0)
    out_scale = np.float32((hi - lo) / 255.0)
    out_zp = int(np.clip(round(-lo / float(out_scale)), 0, 255))
    q = np.clip(np.round(real / float(out_scale)) + out_zp, 0, 255).astype(np.uint8)
    params[f"{name}_weight"] = w
    params[f"{name}_scale"] = w_scale
    params[f"{name}_bias"] = bias
    return w, q, float(out_scale), out_zp, acc_scale


def f32(v):
    return str(np.float32(v)) + "f"


body = []
sig = [f"%data: Tensor[(1, {H}, {W}, {C_IN}), uint8]"]
counter = [0]


def emit(expr):
    name = f"%{counter[0]}"
    counter[0] += 1
    body.append(f"  {name} = {expr};")
    return name


def conv_block(name, x, x_np, x_scale, x_zp, kh, oc, pad=(0, 0, 0, 0), dil=1, rounding="UPWARD"):
    w, q, out_scale, out_zp, acc_scale = layer(name, x_np, x_scale, x_zp, kh, oc, 1, pad, dil, rounding)
    ic = x_np.shape[3]
    sig.append(f"%{name}_weight: Tensor[({kh}, {kh}, {ic}, {oc}), int8]")
    sig.append(f"%{name}_scale: Tensor[({oc}), float32]")
    sig.append(f"%{name}_bias: Tensor[({oc}), int32]")
    attrs = (f"padding=[{pad[0]}, {pad[1]}, {pad[2]}, {pad[3]}], " if any(pad) else "")
    attrs += f"dilation=[{dil}, {dil}], " if dil != 1 else ""
    c = emit(f"qnn.conv2d({x}, %{name}_weight, {x_zp}, 0, {f32(x_scale)}, %{name}_scale, "
             f"{attrs}channels={oc}, kernel_size=[{kh}, {kh}], data_layout=\"NHWC\", "
             f"kernel_layout=\"HWIO\", out_dtype=\"int32\")")
    b = emit(f"nn.bias_add({c}, %{name}_bias, axis=3)")
    # The requantize input scale is the product of the activation and per-channel weight scales.
    in_scale_name = f"{name}_acc_scale"
    params[in_scale_name] = acc_scale.astype(np.float32)
    sig.append(f"%{in_scale_name}: Tensor[({oc}), float32]")
    r = emit(f"qnn.requantize({b}, %{in_scale_name}, 0, {f32(out_scale)}, {out_zp}, axis=3, "
             f"rounding=\"{rounding}\", out_dtype=\"uint8\")")
    return r, q, out_scale, out_zp


x = "%data"
b1, q1, s1, z1 = conv_block("b1_1x1", x, calib_x, IN_SCALE, IN_ZP, 1, 16)
t2, qt2, st2, zt2 = conv_block("b2_1x1", x, calib_x, IN_SCALE, IN_ZP, 1, 12, rounding="TFLITE")
b2, q2, s2, z2 = conv_block("b2_3x3", t2, qt2, st2, zt2, 3, 16, pad=(1, 1, 1, 1), rounding="TFLITE")
t3, qt3, st3, zt3 = conv_block("b3_1x1", x, calib_x, IN_SCALE, IN_ZP, 1, 8)
b3, q3, s3, z3 = conv_block("b3_3x3d2", t3, qt3, st3, zt3, 3, 12, pad=(2, 2, 2, 2), dil=2,
                            rounding="TONEAREST")
b4, q4, s4, z4 = conv_block("b4_3x3s", x, calib_x, IN_SCALE, IN_ZP, 3, 8, pad=(0, 0, 2, 2))
# Common output quantization for the concatenation: the widest range of the four branches.
out_lo = min(-z * s for s, z in [(s1, z1), (s2, z2), (s3, z3), (s4, z4)])
out_hi = max((255 - z) * s for s, z in [(s1, z1), (s2, z2), (s3, z3), (s4, z4)])
o_scale = float(np.float32((out_hi - out_lo) / 255.0))
o_zp = int(np.clip(round(-out_lo / o_scale), 0, 255))
tup = emit(f"({b1}, {b2}, {b3}, {b4})")
scales = emit(f"({f32(s1)}, {f32(s2)}, {f32(s3)}, {f32(s4)})")
zps = emit(f"({z1}, {z2}, {z3}, {z4})")
out = emit(f"qnn.concatenate({tup}, {scales}, {zps}, {f32(o_scale)}, {o_zp}, axis=3)")

text = ["#[version = \"0.0.5\"]",
        "// Inception-style block: four branches of quantized NHWC convolutions (uint8 activations,",
        "// int8 per-channel weights, int32 bias, requantize in three rounding modes), concatenated.",
        "// Weights, scales and biases are parameters bound from params.npz (scripts/make_example.py).",
        "def @main(" + ",\n          ".join(sig) + ") {"]
text += body
text += [f"  {out}", "}", ""]
os.makedirs(OUT_DIR, exist_ok=True)
with open(os.path.join(OUT_DIR, "inception.relay"), "w") as f:
    f.write("\n".join(text))
np.savez(os.path.join(OUT_DIR, "params.npz"), **params)
np.save(os.path.join(OUT_DIR, "input.npy"), calib_x)
print("wrote", OUT_DIR)
