// mtc — convolution geometry checks, the reference convolution loops and GEMM weight packing.
// SPDX-License-Identifier: Apache-2.0
#include "ir/ops/conv.h"

#include "ir/check.h"

#include <cstring>
#include <string>

namespace mtc::ir {

namespace {

// Attribute values beyond this are rejected before any size arithmetic, so that no product
// below can overflow int64.
constexpr int64_t kMaxAttr = int64_t(1) << 30;
// Largest output a type relation accepts (elements).
constexpr int64_t kMaxOutElements = int64_t(1) << 36;

std::string listStr(const std::vector<int64_t> &v) {
  std::string s = "[";
  for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + std::to_string(v[i]);
  return s + "]";
}

bool checkPair(TypeInferCtx &ctx, const char *name, const std::vector<int64_t> &v) {
  bool ok = v.size() == 2;
  for (int64_t x : v) ok = ok && x >= 1 && x <= kMaxAttr;
  if (!ok) ctx.error(std::string(name) + " must have 2 entries in [1, 2^30], got " + listStr(v));
  return ok;
}

bool checkDims(TypeInferCtx &ctx, const char *name, const Shape &s) {
  for (int64_t d : s)
    if (d < 1 || d > kMaxAttr) {
      ctx.error("argument '" + std::string(name) + "' must have dimensions in [1, 2^30], got " +
                shapeStr(s));
      return false;
    }
  return true;
}

template <class T> std::vector<T> toVector(const Tensor &t) {
  std::vector<T> v(static_cast<size_t>(t.numElements()));
  if (t.dtype() == DType::Float32) {
    const float *p = t.data<float>();
    for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<T>(p[i]);
  } else {
    for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<T>(t.intAt(static_cast<int64_t>(i)));
  }
  return v;
}

// The convolution loop nest, shared by the integer (T = uint64_t, wrap-around) and float
// (T = double) versions. `x` is the data in its own layout; `w` is the weight rearranged to
// [o][kh][kw][i] so that the innermost loop walks both operands with fixed strides.
template <class T>
std::vector<T> convLoops(const Conv2DGeometry &g, const std::vector<T> &x, const std::vector<T> &w) {
  const int64_t sN = g.inH * g.inW * g.inC;
  const int64_t sC = g.dataNHWC ? 1 : g.inH * g.inW;
  const int64_t sH = g.dataNHWC ? g.inW * g.inC : g.inW;
  const int64_t sW = g.dataNHWC ? g.inC : 1;
  const int64_t oN = g.outH * g.outW * g.outC;
  const int64_t oC = g.outNHWC ? 1 : g.outH * g.outW;
  const int64_t oH = g.outNHWC ? g.outW * g.outC : g.outW;
  const int64_t oW = g.outNHWC ? g.outC : 1;
  const int64_t icg = g.inCPerGroup;
  std::vector<T> out(static_cast<size_t>(g.batch * oN), T(0));
  for (int64_t n = 0; n < g.batch; ++n)
    for (int64_t o = 0; o < g.outC; ++o) {
      const int64_t grp = o / g.outCPerGroup;
      const T *xg = x.data() + n * sN + grp * icg * sC;
      const T *wo = w.data() + o * g.kH * g.kW * icg;
      for (int64_t oh = 0; oh < g.outH; ++oh)
        for (int64_t ow = 0; ow < g.outW; ++ow) {
          T acc(0);
          for (int64_t kh = 0; kh < g.kH; ++kh) {
            const int64_t ih = oh * g.strideH - g.padTop + kh * g.dilationH;
            if (ih < 0 || ih >= g.inH) continue;
            for (int64_t kw = 0; kw < g.kW; ++kw) {
              const int64_t iw = ow * g.strideW - g.padLeft + kw * g.dilationW;
              if (iw < 0 || iw >= g.inW) continue;
              const T *xp = xg + ih * sH + iw * sW;
              const T *wp = wo + (kh * g.kW + kw) * icg;
              for (int64_t i = 0; i < icg; ++i) acc += xp[i * sC] * wp[i];
            }
          }
          out[static_cast<size_t>(n * oN + o * oC + oh * oH + ow * oW)] = acc;
        }
    }
  return out;
}

// Weight rearranged to [o][kh][kw][i], minus the per-channel zero point for integers.
template <class T>
std::vector<T> canonicalWeight(const Conv2DGeometry &g, const std::vector<T> &w,
                               const std::vector<int64_t> &zero) {
  std::vector<T> c(static_cast<size_t>(g.outC * g.kH * g.kW * g.inCPerGroup));
  size_t k = 0;
  for (int64_t o = 0; o < g.outC; ++o) {
    T z(0);
    if (!zero.empty()) z = static_cast<T>(zero.size() == 1 ? zero[0] : zero[static_cast<size_t>(o)]);
    for (int64_t kh = 0; kh < g.kH; ++kh)
      for (int64_t kw = 0; kw < g.kW; ++kw)
        for (int64_t i = 0; i < g.inCPerGroup; ++i)
          c[k++] = w[static_cast<size_t>(o * g.wStrideO + i * g.wStrideI + kh * g.wStrideH +
                                         kw * g.wStrideW)] - z;
  }
  return c;
}

} // namespace

Shape Conv2DGeometry::outShape() const {
  return outNHWC ? Shape{batch, outH, outW, outC} : Shape{batch, outC, outH, outW};
}

std::optional<Conv2DGeometry> conv2dGeometry(TypeInferCtx &ctx, const Conv2DAttrs &a,
                                             const Shape &data, const Shape &weight,
                                             const char *dataName, const char *weightName) {
  Conv2DGeometry g;
  auto fail = [&](std::string msg) {
    ctx.error(std::move(msg));
    return std::optional<Conv2DGeometry>();
  };
  if (data.size() != 4)
    return fail("argument '" + std::string(dataName) + "' must be 4-D, got shape " +
                     shapeStr(data));
  if (weight.size() != 4)
    return fail("argument '" + std::string(weightName) + "' must be 4-D, got shape " +
                     shapeStr(weight));
  if (!checkDims(ctx, dataName, data) || !checkDims(ctx, weightName, weight)) return std::nullopt;
  if (a.data_layout != "NCHW" && a.data_layout != "NHWC")
    return fail("data_layout \"" + a.data_layout + "\" is not supported (NCHW, NHWC)");
  const std::string &kl = a.kernel_layout;
  if (kl != "OIHW" && kl != "HWIO" && kl != "HWOI" && kl != "OHWI")
    return fail("kernel_layout \"" + kl + "\" is not supported (OIHW, HWIO, HWOI, OHWI)");
  if (!a.out_layout.empty() && a.out_layout != "NCHW" && a.out_layout != "NHWC")
    return fail("out_layout \"" + a.out_layout + "\" is not supported (NCHW, NHWC)");
  if (!checkPair(ctx, "strides", a.strides) || !checkPair(ctx, "dilation", a.dilation))
    return std::nullopt;
  auto pad = pad4(a.padding);
  for (int64_t p : pad)
    if (p < 0 || p > kMaxAttr)
      return fail("padding must have 1, 2 or 4 entries in [0, 2^30], got " +
                       listStr(a.padding));
  if (a.groups < 1 || a.groups > kMaxAttr)
    return fail("groups must be >= 1, got " + std::to_string(a.groups));

  g.dataNHWC = a.data_layout == "NHWC";
  g.outNHWC = a.out_layout.empty() ? g.dataNHWC : a.out_layout == "NHWC";
  g.batch = data[0];
  g.inC = g.dataNHWC ? data[3] : data[1];
  g.inH = g.dataNHWC ? data[1] : data[2];
  g.inW = g.dataNHWC ? data[2] : data[3];
  g.groups = a.groups;
  g.padTop = pad[0], g.padLeft = pad[1], g.padBottom = pad[2], g.padRight = pad[3];
  g.strideH = a.strides[0], g.strideW = a.strides[1];
  g.dilationH = a.dilation[0], g.dilationW = a.dilation[1];

  const std::string wdesc = "weight " + shapeStr(weight) + " (" + kl + ")";
  if (g.inC % g.groups != 0)
    return fail("groups = " + std::to_string(g.groups) + " does not divide the " +
                     std::to_string(g.inC) + " input channels");
  g.inCPerGroup = g.inC / g.groups;
  int64_t wI = 0;
  if (kl == "HWOI") {
    // Depthwise: (KH, KW, IC, multiplier) is laid out exactly like HWIO (KH, KW, 1, IC * M).
    if (g.groups != g.inC)
      return fail("kernel_layout \"HWOI\" is the depthwise layout (KH, KW, input channels, "
                       "multiplier) and needs groups == " + std::to_string(g.inC) +
                       " (the input channels), got groups = " + std::to_string(g.groups));
    if (weight[2] != g.inC)
      return fail(wdesc + " has " + std::to_string(weight[2]) +
                       " input channels but data has " + std::to_string(g.inC));
    g.kH = weight[0], g.kW = weight[1], g.outC = weight[2] * weight[3], wI = 1;
    g.wStrideO = 1, g.wStrideI = 0, g.wStrideW = g.outC, g.wStrideH = g.kW * g.outC;
  } else {
    const int64_t pO = kl.find('O'), pI = kl.find('I'), pH = kl.find('H'), pW = kl.find('W');
    g.outC = weight[pO], wI = weight[pI], g.kH = weight[pH], g.kW = weight[pW];
    // Row-major strides of the weight in its own layout.
    int64_t st[4];
    st[3] = 1;
    for (int d = 2; d >= 0; --d) st[d] = st[d + 1] * weight[d + 1];
    g.wStrideO = st[pO], g.wStrideI = st[pI], g.wStrideH = st[pH], g.wStrideW = st[pW];
    if (g.outC % g.groups != 0)
      return fail("groups = " + std::to_string(g.groups) + " does not divide the " +
                       std::to_string(g.outC) + " output channels of the " + wdesc);
    if (wI != g.inCPerGroup) {
      if (g.groups == 1)
        return fail(wdesc + " has " + std::to_string(wI) + " input channels but data has " +
                         std::to_string(g.inC));
      return fail(wdesc + " has " + std::to_string(wI) +
                       " input channels per group but data has " + std::to_string(g.inC) + " / " +
                       std::to_string(g.groups) + " = " + std::to_string(g.inCPerGroup));
    }
  }
  g.outCPerGroup = g.outC / g.groups;
  if (a.channels < 0 || (a.channels > 0 && a.channels != g.outC))
    return fail("channels = " + std::to_string(a.channels) + " but the " + wdesc + " has " +
                     std::to_string(g.outC) + " output channels");
  if (!a.kernel_size.empty() &&
      (a.kernel_size.size() != 2 || a.kernel_size[0] != g.kH || a.kernel_size[1] != g.kW))
    return fail("kernel_size = " + listStr(a.kernel_size) + " but the " + wdesc + " is " +
                     std::to_string(g.kH) + "x" + std::to_string(g.kW));

  const int64_t effH = (g.kH - 1) * g.dilationH + 1, effW = (g.kW - 1) * g.dilationW + 1;
  const int64_t padH = g.inH + g.padTop + g.padBottom, padW = g.inW + g.padLeft + g.padRight;
  if (effH > padH || effW > padW)
    return fail("the dilated kernel " + std::to_string(effH) + "x" + std::to_string(effW) +
                     " does not fit the padded input " + std::to_string(padH) + "x" +
                     std::to_string(padW));
  g.outH = (padH - effH) / g.strideH + 1;
  g.outW = (padW - effW) / g.strideW + 1;
  const Shape out = g.outShape();
  if (checkedNumElements(out, kMaxOutElements) < 0)
    return fail("output shape " + shapeStr(out) + " is too large");
  return g;
}

Conv2DGeometry conv2dGeometryOf(const std::string &opName, const Conv2DAttrs &attrs,
                                const Shape &data, const Shape &weight) {
  std::vector<Type> args{Type::tensor(data, DType::Int8), Type::tensor(weight, DType::Int8)};
  TypeInferCtx ctx(opName, args, &attrs);
  auto g = conv2dGeometry(ctx, attrs, data, weight);
  MTC_CHECK(g) << opName << ": evaluating an ill-typed call: " << ctx.message();
  return *g;
}

Tensor conv2dInteger(const Conv2DGeometry &g, const Tensor &data, const Tensor &weight,
                     int64_t dataZero, const std::vector<int64_t> &weightZero, DType outDType) {
  MTC_CHECK(isInteger(data.dtype()) && isInteger(weight.dtype())) << "integer conv on floats";
  // uint64 arithmetic wraps where int64 would overflow; the low bits are the exact sum's.
  std::vector<uint64_t> x = toVector<uint64_t>(data);
  for (uint64_t &v : x) v -= static_cast<uint64_t>(dataZero);
  std::vector<uint64_t> w = canonicalWeight(g, toVector<uint64_t>(weight), weightZero);
  std::vector<uint64_t> acc = convLoops(g, x, w);
  Tensor out = Tensor::zeros(g.outShape(), outDType);
  for (size_t i = 0; i < acc.size(); ++i)
    out.setInt(static_cast<int64_t>(i), static_cast<int64_t>(acc[i]));
  return out;
}

Tensor conv2dFloat(const Conv2DGeometry &g, const Tensor &data, const Tensor &weight) {
  std::vector<double> w = canonicalWeight(g, toVector<double>(weight), {});
  std::vector<double> acc = convLoops(g, toVector<double>(data), w);
  Tensor out = Tensor::zeros(g.outShape(), DType::Float32);
  float *p = out.mutableDataAs<float>();
  for (size_t i = 0; i < acc.size(); ++i) p[i] = static_cast<float>(acc[i]);
  return out;
}

Shape packedGemmWeightShape(int64_t kH, int64_t kW, int64_t inC, int64_t outC, int64_t tileN,
                            int64_t tileK) {
  const int64_t k = kH * kW * inC;
  return {(outC + tileN - 1) / tileN, (k + tileK - 1) / tileK, tileN, tileK};
}

Tensor packGemmWeight(const Tensor &hwio, int64_t tileN, int64_t tileK) {
  const Shape &s = hwio.shape();
  const int64_t kW = s[1], inC = s[2], outC = s[3];
  const int64_t k = s[0] * kW * inC;
  Shape ps = packedGemmWeightShape(s[0], kW, inC, outC, tileN, tileK);
  Tensor out = Tensor::zeros(ps, hwio.dtype());
  const size_t bytes = static_cast<size_t>(dtypeBytes(hwio.dtype()));
  uint8_t *dst = out.mutableData();
  const uint8_t *src = hwio.rawData();
  int64_t flat = 0;
  for (int64_t nb = 0; nb < ps[0]; ++nb)
    for (int64_t kb = 0; kb < ps[1]; ++kb)
      for (int64_t ni = 0; ni < tileN; ++ni)
        for (int64_t ki = 0; ki < tileK; ++ki, ++flat) {
          const int64_t kk = kb * tileK + ki, o = nb * tileN + ni;
          if (kk >= k || o >= outC) continue; // zero padding
          // HWIO flattening: kk = (h * KW + w) * IC + c, so W[h, w, c, o] sits at kk * OC + o.
          std::memcpy(dst + flat * bytes, src + (kk * outC + o) * bytes, bytes);
        }
  return out;
}

Tensor unpackGemmWeight(const Tensor &packed, int64_t kH, int64_t kW, int64_t inC, int64_t outC) {
  const Shape &ps = packed.shape();
  const int64_t tileN = ps[2], tileK = ps[3];
  const int64_t k = kH * kW * inC;
  Tensor out = Tensor::zeros({kH, kW, inC, outC}, packed.dtype());
  const size_t bytes = static_cast<size_t>(dtypeBytes(packed.dtype()));
  uint8_t *dst = out.mutableData();
  const uint8_t *src = packed.rawData();
  for (int64_t kk = 0; kk < k; ++kk)
    for (int64_t o = 0; o < outC; ++o) {
      const int64_t flat = (((o / tileN) * ps[1] + kk / tileK) * tileN + o % tileN) * tileK + kk % tileK;
      std::memcpy(dst + (kk * outC + o) * bytes, src + flat * bytes, bytes);
    }
  return out;
}

std::vector<int64_t> intValues(const Tensor &t) { return toVector<int64_t>(t); }

std::vector<float> floatValues(const Tensor &t) {
  std::vector<float> v(static_cast<size_t>(t.numElements()));
  for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<float>(t.floatAt(static_cast<int64_t>(i)));
  return v;
}

} // namespace mtc::ir
