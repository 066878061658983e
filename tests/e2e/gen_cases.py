#!/usr/bin/python3
# mtc — generates the end-to-end cases: one folder per case with model.relay, params.npz and
# data.npy (deterministic from the case name). Each case is a quantized NHWC convolution with
# bias and requantize (TVM's test_conv2d_NHWC_gemm_int8 workloads plus edge cases), or a small
# graph of other ops. Usage: gen_cases.py OUT_DIR [--full]
import os
import sys
import zlib

import numpy as np

# (name, B, IC, H, W, OC, K, stride, padding (t, l, b, r), dilation, options)
# options: data/weight dtypes, zero points, per-channel scales, output kind, relu, rounding.
EDGE = [
    ("m_below_4", 1, 8, 1, 3, 8, 1, 1, (0, 0, 0, 0), 1, {}),
    ("n_not_mult_4", 1, 16, 6, 6, 5, 3, 1, (1, 1, 1, 1), 1, {}),
    ("k_not_mult_16", 1, 3, 8, 8, 8, 3, 1, (1, 1, 1, 1), 1, {}),
    ("1x1_stride2", 1, 16, 9, 9, 8, 1, 2, (0, 0, 0, 0), 1, {}),
    ("bottom_right_pad", 1, 8, 9, 9, 8, 3, 2, (0, 0, 1, 1), 1, {}),
    ("dilation2", 1, 8, 9, 9, 12, 3, 1, (2, 2, 2, 2), 2, {}),
    ("batch3", 3, 8, 5, 5, 8, 3, 1, (1, 1, 1, 1), 1, {}),
    ("int8_int8", 1, 16, 7, 7, 16, 3, 1, (1, 1, 1, 1), 1, {"data": "int8", "weight": "int8"}),
    ("uint8_uint8", 1, 16, 7, 7, 16, 3, 1, (1, 1, 1, 1), 1, {"data": "uint8", "weight": "uint8"}),
    ("mixed_u8_i8", 1, 16, 7, 7, 16, 3, 1, (1, 1, 1, 1), 1, {"data": "uint8", "weight": "int8"}),
    ("zp_extremes_u8", 1, 8, 6, 6, 8, 3, 1, (1, 1, 1, 1), 1,
     {"data": "uint8", "weight": "uint8", "zp_data": 255, "zp_weight": 0, "zp_out": 255,
      "data_range": (190, 255), "weight_range": (0, 70)}),
    ("zp_extremes_i8", 1, 8, 6, 6, 8, 3, 1, (1, 1, 1, 1), 1,
     {"data": "int8", "weight": "int8", "zp_data": -128, "zp_weight": 127, "zp_out": 127, "out": "int8",
      "data_range": (-128, -60), "weight_range": (50, 127)}),
    ("per_channel", 1, 16, 6, 6, 12, 3, 1, (1, 1, 1, 1), 1, {"per_channel": True}),
    ("int32_out", 1, 16, 6, 6, 8, 3, 1, (1, 1, 1, 1), 1, {"out": "int32"}),
    ("int8_out_relu", 1, 16, 6, 6, 8, 3, 1, (1, 1, 1, 1), 1, {"out": "int8", "relu": True}),
    ("tflite_rounding", 1, 16, 6, 6, 8, 3, 1, (1, 1, 1, 1), 1, {"rounding": "TFLITE"}),
    ("native_trouble", 1, 8, 1, 1, 24, 1, 1, (0, 0, 0, 0), 1, {}),
    # K = 36864: the GEMM's A panel (288 KiB for 8-row tiles) is workspace scratch, not stack.
    ("k_above_32768", 1, 4096, 3, 3, 8, 3, 1, (1, 1, 1, 1), 1, {}),
    # Requantize shifts near the ends of the vector epilogue's range (left shifts saturate;
    # right shifts of 29-31) and beyond it (the scalar epilogue), in every rounding mode.
    ("fpm_left_tflite", 1, 16, 5, 5, 28, 3, 1, (1, 1, 1, 1), 1,
     {"per_channel": True, "rounding": "TFLITE", "out": "int8", "out_scale_mul": 2.0 ** -20}),
    ("fpm_left_upward", 1, 16, 5, 5, 28, 3, 1, (1, 1, 1, 1), 1,
     {"per_channel": True, "rounding": "UPWARD", "out_scale_mul": 2.0 ** -20}),
    ("fpm_right_tonearest", 1, 16, 5, 5, 28, 3, 1, (1, 1, 1, 1), 1,
     {"per_channel": True, "rounding": "TONEAREST", "out_scale_mul": 2.0 ** 18, "zp_out": 0,
      "out": "int8", "bias_range": (-2 ** 31, 2 ** 31 - 1)}),
    ("fpm_right_tflite", 1, 16, 5, 5, 28, 3, 1, (1, 1, 1, 1), 1,
     {"per_channel": True, "rounding": "TFLITE", "out_scale_mul": 2.0 ** 18, "zp_out": 0,
      "out": "int8", "bias_range": (-2 ** 31, 2 ** 31 - 1)}),
    ("fpm_beyond_tflite", 1, 16, 5, 5, 28, 3, 1, (1, 1, 1, 1), 1,
     {"rounding": "TFLITE", "out_scale_mul": 2.0 ** 22, "out": "int8",
      "bias_range": (-2 ** 31, 2 ** 31 - 1)}),
]

def same(k, d):
    total = (k - 1) * d
    return ((total + 1) // 2, (total + 1) // 2, total // 2, total // 2)

# TVM's test_conv2d_NHWC_gemm_int8 (inception_v3-derived), research notes §5.1.
WORKLOADS = [
    (1, 3, 299, 32, 3, 2, "SAME", 1), (1, 32, 149, 32, 3, 1, "SAME", 2),
    (4, 32, 147, 64, 3, 1, "SAME", 1), (1, 64, 73, 80, 1, 1, "SAME", 1),
    (1, 80, 73, 192, 3, 1, "SAME", 1), (1, 192, 35, 48, 1, 1, "SAME", 1),
    (1, 192, 35, 64, 1, 1, "VALID", 1), (1, 192, 35, 32, 1, 1, "SAME", 1),
    (1, 48, 35, 64, 5, 1, "SAME", 1), (1, 96, 35, 96, 3, 1, "SAME", 1),
    (1, 256, 35, 48, 1, 1, "SAME", 1), (1, 256, 35, 64, 1, 1, "SAME", 1),
    (1, 288, 35, 64, 1, 1, "SAME", 1), (1, 288, 35, 48, 1, 1, "SAME", 1),
    (1, 96, 35, 96, 3, 2, "SAME", 1), (1, 128, 17, 192, 7, 1, "SAME", 2),
    (1, 160, 17, 160, 7, 1, "SAME", 1), (1, 160, 17, 192, 1, 1, "VALID", 1),
    (1, 192, 17, 192, 1, 1, "SAME", 1), (1, 768, 5, 128, 1, 1, "SAME", 1),
    (1, 192, 17, 320, 3, 2, "SAME", 1), (1, 192, 17, 192, 3, 2, "SAME", 1),
    (1, 1280, 8, 192, 1, 1, "SAME", 1), (1, 1280, 8, 384, 1, 1, "SAME", 1),
    (1, 1280, 8, 320, 1, 1, "SAME", 1), (1, 1280, 8, 448, 1, 1, "SAME", 1),
    (1, 384, 8, 384, 1, 1, "SAME", 1), (1, 384, 8, 384, 3, 1, "SAME", 1),
    (1, 448, 8, 384, 3, 1, "VALID", 1), (1, 2048, 8, 320, 1, 1, "SAME", 1),
    (1, 2048, 8, 448, 1, 1, "SAME", 1), (1, 2048, 8, 192, 1, 1, "SAME", 1),
    (1, 8, 1, 24, 1, 1, "SAME", 1),
]

OTHER = {
    # Non-convolution anchors and data movement after -O3.
    "pool_concat": """
def @main(%data: Tensor[(1, 9, 9, 8), uint8]) {
  %0 = nn.max_pool2d(%data, pool_size=[3, 3], strides=[2, 2], padding=[1, 1, 1, 1], layout="NHWC");
  %1 = cast(%data, dtype="int32");
  %2 = nn.avg_pool2d(%1, pool_size=[3, 3], strides=[2, 2], padding=[1, 1, 1, 1], layout="NHWC");
  %3 = clip(%2, a_min=0f, a_max=255f);
  %4 = cast(%3, dtype="uint8");
  %5 = concatenate((%0, %4), axis=3);
  %6 = mean(%5, axis=[1, 2], keepdims=True);
  (%5, %6)
}
""",
    "dense_requant": """
def @main(%data: Tensor[(2, 40), int8], %weight: Tensor[(10, 40), int8], %bias: Tensor[(10), int32]) {
  %0 = qnn.dense(%data, %weight, 3, -2, 0.05f, 0.02f, units=10, out_dtype="int32");
  %1 = nn.bias_add(%0, %bias, axis=1);
  qnn.requantize(%1, 0.001f, 0, 1.2f, -5, rounding="TONEAREST", out_dtype="int8")
}
""",
    # Generic lowerings on every target: fixed-point rounding modes with per-channel shifts,
    # shifts, data movement, int64 means, float casts with NaN/inf, float reductions and dense.
    "misc_int": """
def @main(%x: Tensor[(2, 5, 6, 8), int32], %m: Tensor[(8), int32], %s: Tensor[(8), int32],
          %k: Tensor[(2, 5, 6, 8), int32]) {
  %0 = fixed_point_multiply_per_axis(%x, %m, %s, axis=3, rounding="TFLITE");
  %1 = fixed_point_multiply(%x, multiplier=1395864371, shift=3, rounding="TONEAREST");
  %2 = fixed_point_multiply_per_axis(%x, %m, %s, axis=-1, rounding="UPWARD");
  %3 = right_shift(%0, %k);
  %4 = left_shift(%1, %k);
  %5 = transpose(%3, axes=[0, 3, 1, 2]);
  %6 = nn.pad(%5, -3, pad_width=[[0, 0], [1, 0], [0, 2], [1, 1]]);
  %7 = strided_slice(%6, begin=[0, 1, 5], end=[2, 9, 0], strides=[1, 2, -2]);
  %8 = cast(%7, dtype="int64");
  %9 = mean(%8, axis=[2]);
  %10 = sum(%x, axis=[1, 2], keepdims=True);
  %11 = max(%4, axis=[0]);
  %12 = repeat(%m, repeats=2, axis=0);
  (%7, %9, %10, %11, %12, %2)
}
""",
    "misc_float": """
def @main(%x: Tensor[(2, 4, 6, 5), float32], %y: Tensor[(6, 5), float32]) {
  %0 = add(%x, %y);
  %1 = maximum(%0, %x);
  %2 = clip(%1, a_min=-1.5, a_max=2.25);
  %3 = cast(%x, dtype="int8");
  %4 = cast(%x, dtype="uint8");
  %5 = cast(%x, dtype="int64");
  %6 = nn.avg_pool2d(%x, pool_size=[2, 3], padding=[1, 1], count_include_pad=True);
  %7 = nn.max_pool2d(%x, pool_size=[3, 3], strides=[2, 2], padding=[1, 1], layout="NHWC");
  %8 = mean(%x, axis=[1, 3]);
  %9 = reshape(%x, newshape=[8, 30]);
  %10 = reshape(%y, newshape=[1, 30]);
  %11 = nn.dense(%9, %10);
  %12 = less(%x, %0);
  %13 = negative(%x);
  (%2, %3, %4, %5, %6, %7, %8, %11, %12, %13)
}
""",
}


def rng_for(name):
    return np.random.default_rng(zlib.crc32(name.encode()))


def rand(rng, dtype, shape, lo=None, hi=None):
    info = np.iinfo(dtype)
    lo = info.min if lo is None else lo
    hi = info.max if hi is None else hi
    return rng.integers(lo, hi, size=shape, endpoint=True).astype(dtype)


def conv_case(name, B, IC, H, W, OC, K, s, pad, d, opt):
    rng = rng_for(name)
    dd, wd = opt.get("data", "uint8"), opt.get("weight", "int8")
    zpd = opt.get("zp_data", 0 if dd == "int8" else 128)
    zpw = opt.get("zp_weight", 0 if wd == "int8" else 119)
    out = opt.get("out", "uint8")
    zpo = opt.get("zp_out", 0 if out == "int8" else 128 if out == "uint8" else 0)
    rounding = opt.get("rounding", "UPWARD")
    per_channel = opt.get("per_channel", False)
    params = {
        "weight": rand(rng, np.dtype(wd), (K, K, IC, OC), *opt.get("weight_range", (None, None))),
        "bias": rand(rng, np.int32, (OC,), *opt.get("bias_range", (-20000, 20000))),
    }
    wscale = "0.0113f"
    acc_scale = "%.9gf" % (0.0235 * 0.0113)
    if per_channel:
        params["wscale"] = (rng.uniform(0.005, 0.03, size=(OC,))).astype(np.float32)
        params["acc_scale"] = (params["wscale"] * np.float32(0.0235)).astype(np.float32)
        wscale, acc_scale = "%wscale", "%acc_scale"
    # The output scale grows with the reduction so requantized values use the whole range.
    # "out_scale_mul" moves the requantize shifts to the ends of their range.
    out_scale = "%.6gf" % (0.0235 * 0.0113 * 200 * np.sqrt(K * K * IC) * opt.get("out_scale_mul", 1.0))
    sig = ["%%data: Tensor[(%d, %d, %d, %d), %s]" % (B, H, W, IC, dd),
           "%%weight: Tensor[(%d, %d, %d, %d), %s]" % (K, K, IC, OC, wd),
           "%%bias: Tensor[(%d), int32]" % OC]
    if per_channel:
        sig += ["%%wscale: Tensor[(%d), float32]" % OC, "%%acc_scale: Tensor[(%d), float32]" % OC]
    body = ["%%0 = qnn.conv2d(%%data, %%weight, %d, %d, 0.0235f, %s, strides=[%d, %d], "
            "padding=[%d, %d, %d, %d], dilation=[%d, %d], channels=%d, kernel_size=[%d, %d], "
            "data_layout=\"NHWC\", kernel_layout=\"HWIO\", out_dtype=\"int32\");"
            % (zpd, zpw, wscale, s, s, *pad, d, d, OC, K, K),
            "%1 = nn.bias_add(%0, %bias, axis=3);"]
    last = "%1"
    if out != "int32":
        body.append("%%2 = qnn.requantize(%%1, %s, 0, %s, %d, axis=3, rounding=\"%s\", "
                    "out_dtype=\"%s\");" % (acc_scale, out_scale, zpo, rounding, out))
        last = "%2"
        if opt.get("relu"):
            body.append("%%3 = clip(%%2, a_min=%d, a_max=127);" % zpo)
            last = "%3"
    text = "def @main(%s) {\n  %s\n  %s\n}\n" % (",\n          ".join(sig), "\n  ".join(body), last)
    data = rand(rng, np.dtype(dd), (B, H, W, IC), *opt.get("data_range", (None, None)))
    return text, params, {"data": data}


def float_data(rng, shape):
    v = rng.uniform(-300, 300, size=shape).astype(np.float32)
    special = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 1e30, -1e30, 0.5, -2.5, 127.5],
                       dtype=np.float32)
    mask = rng.random(size=shape) < 0.15
    v[mask] = rng.choice(special, size=int(mask.sum()))
    return v


def other_case(name, text):
    rng = rng_for(name)
    inputs, params = {}, {}
    if name == "misc_int":
        inputs["x"] = rand(rng, np.int32, (2, 5, 6, 8))
        inputs["m"] = rand(rng, np.int32, (8,))
        inputs["s"] = rand(rng, np.int32, (8,), -45, 45)
        inputs["k"] = rand(rng, np.int32, (2, 5, 6, 8), -3, 40)
    elif name == "misc_float":
        inputs["x"] = float_data(rng, (2, 4, 6, 5))
        inputs["y"] = float_data(rng, (6, 5))
    elif name == "pool_concat":
        inputs["data"] = rand(rng, np.uint8, (1, 9, 9, 8))
    else:
        inputs["data"] = rand(rng, np.int8, (2, 40))
        params["weight"] = rand(rng, np.int8, (10, 40))
        params["bias"] = rand(rng, np.int32, (10,), -5000, 5000)
    return text, params, inputs


def write(out, name, text, params, inputs):
    d = os.path.join(out, name)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "model.relay"), "w") as f:
        f.write("// e2e case %s (tests/e2e/gen_cases.py)\n" % name + text)
    if params:
        np.savez(os.path.join(d, "params.npz"), **params)
    for k, v in inputs.items():
        np.save(os.path.join(d, "%s.npy" % k), v)


def main():
    out = sys.argv[1]
    full = "--full" in sys.argv[2:]
    for c in EDGE:
        write(out, c[0], *conv_case(*c))
    for name, text in OTHER.items():
        write(out, name, *other_case(name, text))
    if full:
        for i, (B, IC, H, OC, K, s, pad, d) in enumerate(WORKLOADS):
            p = same(K, d) if pad == "SAME" else (0, 0, 0, 0)
            name = "w%02d_b%d_c%d_h%d_o%d_k%d_s%d_d%d" % (i, B, IC, H, OC, K, s, d)
            write(out, name, *conv_case(name, B, IC, H, H, OC, K, s, p, d, {}))


if __name__ == "__main__":
    main()
