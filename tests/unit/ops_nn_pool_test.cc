// mtc — tests of 2-D pooling: hand-computed cases, a tap-by-tap naive definition on random
// data over many geometries, and the QNN canonicalization identity (sum × KH·KW, avg_pool).
// SPDX-License-Identifier: Apache-2.0
#include "tests/unit/ops_generic_util.h"

#include <limits>

using namespace mtc::ir;
using namespace mtc::ir::testing;

namespace {

struct PoolCase {
  int64_t kh = 1, kw = 1, sh = 1, sw = 1, dh = 1, dw = 1;
  int64_t pt = 0, pl = 0, pb = 0, pr = 0;
  bool ceil = false, includePad = false, nhwc = false;
};

AttrsPtr poolAttrs(const PoolCase &p) {
  return makeAttrs<Pool2DAttrs>([&](Pool2DAttrs &a) {
    a.pool_size = {p.kh, p.kw};
    a.strides = {p.sh, p.sw};
    a.dilation = {p.dh, p.dw};
    a.padding = {p.pt, p.pl, p.pb, p.pr};
    a.ceil_mode = p.ceil;
    a.count_include_pad = p.includePad;
    a.layout = p.nhwc ? "NHWC" : "NCHW";
  });
}

int64_t ceilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

/// The pooling definition restated tap by tap: a tap counts for count_include_pad when it lies
/// above the user's bottom/right padded edge, otherwise only when it lies inside the data.
Tensor naivePool(const Tensor &in, const PoolCase &p, bool isMax) {
  const Shape &s = in.shape();
  const int64_t n = s[0], c = p.nhwc ? s[3] : s[1], h = p.nhwc ? s[1] : s[2],
                w = p.nhwc ? s[2] : s[3];
  const int64_t spanH = h + p.pt + p.pb - ((p.kh - 1) * p.dh + 1);
  const int64_t spanW = w + p.pl + p.pr - ((p.kw - 1) * p.dw + 1);
  const int64_t oh = (p.ceil ? ceilDiv(spanH, p.sh) : spanH / p.sh) + 1;
  const int64_t ow = (p.ceil ? ceilDiv(spanW, p.sw) : spanW / p.sw) + 1;
  auto at = [&](int64_t b, int64_t ch, int64_t y, int64_t x, int64_t hh, int64_t ww) {
    return p.nhwc ? ((b * hh + y) * ww + x) * c + ch : ((b * c + ch) * hh + y) * ww + x;
  };
  Tensor out = Tensor::zeros(p.nhwc ? Shape{n, oh, ow, c} : Shape{n, c, oh, ow}, in.dtype());
  for (int64_t b = 0; b < n; ++b)
    for (int64_t ch = 0; ch < c; ++ch)
      for (int64_t y = 0; y < oh; ++y)
        for (int64_t x = 0; x < ow; ++x) {
          int64_t sum = 0, inside = 0, padded = 0;
          int64_t best = dtypeMin(in.dtype());
          for (int64_t i = 0; i < p.kh; ++i)
            for (int64_t j = 0; j < p.kw; ++j) {
              const int64_t yy = y * p.sh - p.pt + i * p.dh, xx = x * p.sw - p.pl + j * p.dw;
              if (yy < h + p.pb && xx < w + p.pr) ++padded;
              if (yy < 0 || yy >= h || xx < 0 || xx >= w) continue;
              const int64_t v = in.intAt(at(b, ch, yy, xx, h, w));
              sum += v;
              ++inside;
              best = std::max(best, v);
            }
          const int64_t count = std::max<int64_t>(p.includePad ? padded : inside, 1);
          out.setInt(at(b, ch, y, x, oh, ow), isMax ? best : sum / count);
        }
  return out;
}

} // namespace

TEST_CASE("avg_pool2d: hand-computed asymmetric padding, truncation toward zero",
          "[ops][nn][pool]") {
  PoolCase p;
  p.kh = p.kw = 2;
  p.pt = 1, p.pr = 1; // top and right only
  Tensor pos = ints(DType::Int32, {1, 1, 3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9});
  Tensor neg = ints(DType::Int32, {1, 1, 3, 3}, {-1, -2, -3, -4, -5, -6, -7, -8, -9});
  CHECK(toInts(evalOp("nn.avg_pool2d", {pos}, poolAttrs(p))) ==
        std::vector<int64_t>{1, 2, 3, 3, 4, 4, 6, 7, 7});
  CHECK(toInts(evalOp("nn.avg_pool2d", {neg}, poolAttrs(p))) ==
        std::vector<int64_t>{-1, -2, -3, -3, -4, -4, -6, -7, -7});
  p.includePad = true;
  CHECK(toInts(evalOp("nn.avg_pool2d", {pos}, poolAttrs(p))) ==
        std::vector<int64_t>{0, 1, 0, 3, 4, 2, 6, 7, 3});
  CHECK(toInts(evalOp("nn.max_pool2d", {neg}, poolAttrs(p))) ==
        std::vector<int64_t>{-1, -2, -3, -1, -2, -3, -4, -5, -6});
}

TEST_CASE("pool2d ceil_mode: output size and windows past the padded edge", "[ops][nn][pool]") {
  PoolCase p;
  p.kh = p.kw = 3;
  p.sh = p.sw = 2;
  p.pt = p.pl = p.pb = p.pr = 1;
  Type t = tensorType({1, 1, 4, 4}, DType::Int8);
  CHECK(inferOp("nn.avg_pool2d", {t}, poolAttrs(p)).type == tensorType({1, 1, 2, 2}, DType::Int8));
  p.ceil = true;
  CHECK(inferOp("nn.avg_pool2d", {t}, poolAttrs(p)).type == tensorType({1, 1, 3, 3}, DType::Int8));
  // Last window covers rows 3, 4, 5: row 3 is data, row 4 the user's padding, row 5 the
  // ceil-mode extension; count_include_pad counts rows 3 and 4 only.
  Tensor x = ints(DType::Int8, {1, 1, 4, 4}, {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 60});
  p.includePad = true;
  CHECK(evalOp("nn.avg_pool2d", {x}, poolAttrs(p)).intAt(8) == 60 / 4);
  p.includePad = false;
  CHECK(evalOp("nn.avg_pool2d", {x}, poolAttrs(p)).intAt(8) == 60);
  // A window entirely in the padding: max gives the dtype minimum, avg gives 0.
  PoolCase q;
  q.sh = q.sw = 3;
  q.pb = q.pr = 2;
  Tensor y = ints(DType::Int8, {1, 1, 2, 2}, {-5, -6, -7, -8});
  CHECK(toInts(evalOp("nn.max_pool2d", {y}, poolAttrs(q))) ==
        std::vector<int64_t>{-5, -128, -128, -128});
  q.includePad = true;
  CHECK(toInts(evalOp("nn.avg_pool2d", {y}, poolAttrs(q))) == std::vector<int64_t>{-5, 0, 0, 0});
}

TEST_CASE("pool2d matches the tap-by-tap definition on random geometries", "[ops][nn][pool]") {
  std::mt19937_64 rng(2024);
  auto pick = [&](int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
  };
  int checked = 0;
  for (int iter = 0; iter < 300; ++iter) {
    PoolCase p;
    p.kh = pick(1, 3), p.kw = pick(1, 3), p.sh = pick(1, 3), p.sw = pick(1, 3);
    p.dh = pick(1, 2), p.dw = pick(1, 2);
    p.pt = pick(0, 2), p.pl = pick(0, 2), p.pb = pick(0, 2), p.pr = pick(0, 2);
    p.ceil = pick(0, 1), p.includePad = pick(0, 1), p.nhwc = pick(0, 1);
    const int64_t h = pick(1, 7), w = pick(1, 7), c = pick(1, 3);
    if (h + p.pt + p.pb < (p.kh - 1) * p.dh + 1 || w + p.pl + p.pr < (p.kw - 1) * p.dw + 1)
      continue;
    const DType dt = iter % 3 == 0 ? DType::Int32 : (iter % 3 == 1 ? DType::Int8 : DType::UInt8);
    const int64_t lo = dt == DType::Int32 ? -2000000000 : dtypeMin(dt);
    const int64_t hi = dt == DType::Int32 ? 2000000000 : dtypeMax(dt);
    Shape s = p.nhwc ? Shape{2, h, w, c} : Shape{2, c, h, w};
    Tensor x = randomInts(dt, s, rng, lo, hi);
    INFO("iter " << iter);
    CHECK(evalOp("nn.avg_pool2d", {x}, poolAttrs(p)).bitEqual(naivePool(x, p, false)));
    CHECK(evalOp("nn.max_pool2d", {x}, poolAttrs(p)).bitEqual(naivePool(x, p, true)));
    ++checked;
  }
  CHECK(checked > 150);
}

TEST_CASE("canonicalization identity: avg_pool2d of KH*KW-scaled channel sums is the window sum",
          "[ops][nn][pool]") {
  // T2 of QnnConv2DCanonicalize on NHWC: pad with the zero point, cast, sum over C, ×KH·KW,
  // avg_pool2d with count_include_pad=False and no padding.
  std::mt19937_64 rng(77);
  const int64_t zp = 3;
  Tensor q = randomInts(DType::UInt8, {1, 5, 6, 4}, rng, 0, 255);
  Tensor padded = evalOp("nn.pad", {q, Tensor::scalarInt(DType::Int32, zp)},
                         makeAttrs<PadAttrs>([](PadAttrs &a) {
                           a.pad_width = {{0, 0}, {1, 1}, {1, 1}, {0, 0}};
                         }));
  Tensor wide =
      evalOp("cast", {padded}, makeAttrs<CastAttrs>([](CastAttrs &a) { a.dtype = "int32"; }));
  Tensor sums = evalOp("sum", {wide}, makeAttrs<ReduceAttrs>([](ReduceAttrs &a) {
                         a.axis = {3};
                         a.keepdims = true;
                       }));
  Tensor scaled = evalOp("multiply", {sums, Tensor::scalarInt(DType::Int32, 9)});
  PoolCase p;
  p.kh = p.kw = 3;
  p.sh = p.sw = 2;
  p.nhwc = true;
  Tensor t2 = evalOp("nn.avg_pool2d", {scaled}, poolAttrs(p));
  REQUIRE(t2.shape() == Shape{1, 3, 3, 1});
  for (int64_t y = 0; y < 3; ++y)
    for (int64_t x = 0; x < 3; ++x) {
      int64_t want = 0;
      for (int64_t i = 0; i < 3; ++i)
        for (int64_t j = 0; j < 3; ++j)
          for (int64_t c = 0; c < 4; ++c) {
            int64_t yy = y * 2 + i - 1, xx = x * 2 + j - 1;
            want += yy >= 0 && yy < 5 && xx >= 0 && xx < 6 ? q.intAt((yy * 6 + xx) * 4 + c) : zp;
          }
      CHECK(t2.intAt(y * 3 + x) == want);
    }
}

TEST_CASE("global pools keep rank 4", "[ops][nn][pool]") {
  Tensor x = ints(DType::Int8, {1, 2, 2, 2}, {1, 2, 3, 5, -1, -2, -3, -5});
  Tensor a = evalOp("nn.global_avg_pool2d", {x});
  CHECK(a.shape() == Shape{1, 2, 1, 1});
  CHECK(toInts(a) == std::vector<int64_t>{2, -2}); // 11/4 and -11/4 truncate
  CHECK(toInts(evalOp("nn.global_max_pool2d", {x})) == std::vector<int64_t>{5, -1});
  auto nhwc = makeAttrs<GlobalPool2DAttrs>([](GlobalPool2DAttrs &g) { g.layout = "NHWC"; });
  Tensor b = evalOp("nn.global_avg_pool2d", {x}, nhwc); // channels are the last dim here
  CHECK(b.shape() == Shape{1, 1, 1, 2});
  CHECK(toInts(b) == std::vector<int64_t>{0, 0}); // (1+3-1-3)/4, (2+5-2-5)/4
  CHECK(toInts(evalOp("nn.global_max_pool2d", {x}, nhwc)) == std::vector<int64_t>{3, 5});
  CHECK(inferOp("nn.global_avg_pool2d", {tensorType({1, 2, 0, 2}, DType::Int8)}).error ==
        "argument 'data' (1, 2, 0, 2) has an empty spatial dim");
}

TEST_CASE("pool2d type errors", "[ops][nn][pool]") {
  auto err = [](Type t, auto init) {
    return inferOp("nn.max_pool2d", {t}, makeAttrs<Pool2DAttrs>(init)).error;
  };
  Type t = tensorType({1, 3, 3, 3}, DType::Int8);
  CHECK(err(tensorType({1, 3, 3}, DType::Int8), [](Pool2DAttrs &) {}) ==
        "argument 'data' must have rank 4 (NCHW), got (1, 3, 3)");
  CHECK(err(t, [](Pool2DAttrs &a) { a.layout = "NCWH"; }) ==
        "layout 'NCWH' is not supported (NCHW or NHWC)");
  CHECK(err(t, [](Pool2DAttrs &a) {
          a.pool_size = {0, 1};
        }) == "pool_size [0, 1] must be positive");
  CHECK(err(t, [](Pool2DAttrs &a) {
          a.strides = {1, 1, 1};
        }) == "strides must have 1 or 2 entries, got [1, 1, 1]");
  CHECK(err(t,
            [](Pool2DAttrs &a) {
              a.padding = {1, 1, 1};
            }) ==
        "padding [1, 1, 1] must have 1, 2 or 4 non-negative entries [top, left, bottom, right]");
  CHECK(err(t, [](Pool2DAttrs &a) {
          a.pool_size = {3, 3}, a.dilation = {2, 2};
        }) == "pooling window 5x5 (with dilation) is larger than the padded input 3x3");
  CHECK(err(tensorType({1, 3, 3, 3}, DType::Bool), [](Pool2DAttrs &) {}) ==
        "argument 'data' has dtype bool, expected one of int8, uint8, int16, int32, int64, "
        "float32");
}
