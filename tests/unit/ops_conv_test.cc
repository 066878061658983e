// mtc — tests of nn.conv2d and the GEMM convolution pair: type relations (accept and reject),
// evaluation against an independent direct convolution, the weight transform's closed form,
// and the round trip packed GEMM conv == nn.conv2d.
// SPDX-License-Identifier: Apache-2.0
#include "ir/builder.h"
#include "ir/ops/conv.h"
#include "tests/unit/qnn_test_util.h"

#include <chrono>
#include <functional>

using namespace mtc::ir;
using namespace mtc::ir::qnntest;

namespace {

Type tt(Shape s, DType d) { return Type::tensor(std::move(s), d); }

AttrsPtr convAttrs(std::function<void(Conv2DAttrs &)> f) { return attrs<Conv2DAttrs>(f); }

// Independent direct convolution on NCHW data and an OIHW kernel of (OC, IC/groups, KH, KW):
// materialises the padded input, then sums in int64 (inputs are small enough not to overflow).
std::vector<int64_t> directConvNCHW(const Tensor &x, const Tensor &w, std::array<int64_t, 4> pad,
                                    std::array<int64_t, 2> stride, std::array<int64_t, 2> dil,
                                    int64_t groups, int64_t padValue) {
  const Shape &xs = x.shape(), &ws = w.shape();
  const int64_t n = xs[0], c = xs[1], h = xs[2], wd = xs[3];
  const int64_t oc = ws[0], icg = ws[1], kh = ws[2], kw = ws[3];
  const int64_t ph = h + pad[0] + pad[2], pw = wd + pad[1] + pad[3];
  std::vector<int64_t> padded(static_cast<size_t>(n * c * ph * pw), padValue);
  for (int64_t a = 0; a < n; ++a)
    for (int64_t b = 0; b < c; ++b)
      for (int64_t i = 0; i < h; ++i)
        for (int64_t j = 0; j < wd; ++j)
          padded[static_cast<size_t>(((a * c + b) * ph + i + pad[0]) * pw + j + pad[1])] =
              x.intAt(((a * c + b) * h + i) * wd + j);
  const int64_t oh = (ph - (kh - 1) * dil[0] - 1) / stride[0] + 1;
  const int64_t ow = (pw - (kw - 1) * dil[1] - 1) / stride[1] + 1;
  const int64_t ocg = oc / groups;
  std::vector<int64_t> out;
  for (int64_t a = 0; a < n; ++a)
    for (int64_t o = 0; o < oc; ++o)
      for (int64_t i = 0; i < oh; ++i)
        for (int64_t j = 0; j < ow; ++j) {
          int64_t s = 0;
          for (int64_t ci = 0; ci < icg; ++ci)
            for (int64_t p = 0; p < kh; ++p)
              for (int64_t q = 0; q < kw; ++q) {
                const int64_t cin = (o / ocg) * icg + ci;
                const int64_t xi = i * stride[0] + p * dil[0], xj = j * stride[1] + q * dil[1];
                s += padded[static_cast<size_t>(((a * c + cin) * ph + xi) * pw + xj)] *
                     w.intAt(((o * icg + ci) * kh + p) * kw + q);
              }
          out.push_back(s);
        }
  return out;
}

} // namespace

TEST_CASE("conv ops are registered with their patterns and build with Builder", "[ops][conv]") {
  CHECK(op("nn.conv2d").pattern == OpPattern::OutEWiseFusable);
  CHECK(op("nn.contrib_conv2d_gemm_without_weight_transform").pattern ==
        OpPattern::OutEWiseFusable);
  CHECK(op("nn.contrib_conv2d_gemm_weight_transform").pattern == OpPattern::Opaque);
  CHECK(op("nn.conv2d").argNames == std::vector<std::string>{"data", "weight"});
  Context ctx;
  Builder b(ctx);
  auto *x = b.var("x", tt({1, 8, 8, 4}, DType::Int8));
  auto *w = b.var("w", tt({3, 3, 4, 5}, DType::Int8));
  auto *packed = b.call<ConvGemmWeightTransformAttrs>(
      "nn.contrib_conv2d_gemm_weight_transform", {w}, [](auto &a) { a.tile_N = 4, a.tile_K = 16; });
  auto *conv = b.call<Conv2DAttrs>("nn.contrib_conv2d_gemm_without_weight_transform", {x, packed},
                                   [](Conv2DAttrs &a) {
                                     a.data_layout = "NHWC", a.kernel_layout = "HWIO";
                                     a.kernel_size = {3, 3}, a.channels = 5;
                                   });
  Inferred pt = infer(packed->op->name, {w->annotation}, packed->attrs);
  REQUIRE(pt.error.empty());
  CHECK(pt.type == tt({2, 3, 4, 16}, DType::Int8));
  Inferred ct = infer(conv->op->name, {x->annotation, pt.type}, conv->attrs);
  REQUIRE(ct.error.empty());
  CHECK(ct.type == tt({1, 6, 6, 5}, DType::Int32));
}

TEST_CASE("nn.conv2d type relation accepts layouts, groups, dilation and padding forms",
          "[ops][conv]") {
  auto nhwc = [](std::function<void(Conv2DAttrs &)> more = nullptr) {
    return convAttrs([more](Conv2DAttrs &a) {
      a.data_layout = "NHWC", a.kernel_layout = "HWIO";
      if (more) more(a);
    });
  };
  CHECK(infer("nn.conv2d", {tt({1, 64, 56, 56}, DType::Int8), tt({32, 64, 3, 3}, DType::Int8)},
              convAttrs([](auto &a) { a.padding = {1}; }))
            .type == tt({1, 32, 56, 56}, DType::Int8));
  CHECK(infer("nn.conv2d", {tt({1, 56, 56, 64}, DType::UInt8), tt({3, 3, 64, 32}, DType::Int8)},
              nhwc([](auto &a) {
                a.strides = {2, 2}, a.padding = {0, 0, 1, 1}, a.out_dtype = "int32";
              }))
            .type == tt({1, 28, 28, 32}, DType::Int32));
  // Depthwise HWOI (KH, KW, IC, multiplier): 3 channels x multiplier 2 = 6 outputs.
  CHECK(infer("nn.conv2d", {tt({1, 8, 8, 3}, DType::Int8), tt({3, 3, 3, 2}, DType::Int8)},
              convAttrs([](auto &a) {
                a.data_layout = "NHWC", a.kernel_layout = "HWOI", a.groups = 3, a.channels = 6;
              }))
            .type == tt({1, 6, 6, 6}, DType::Int8));
  CHECK(infer("nn.conv2d", {tt({2, 4, 5, 5}, DType::Int16), tt({6, 2, 3, 3}, DType::Int16)},
              convAttrs([](auto &a) { a.groups = 2, a.out_dtype = "int64"; }))
            .type == tt({2, 6, 3, 3}, DType::Int64));
  CHECK(infer("nn.conv2d", {tt({1, 9, 9, 2}, DType::Int8), tt({4, 3, 3, 2}, DType::Int8)},
              convAttrs([](auto &a) {
                a.data_layout = "NHWC", a.kernel_layout = "OHWI", a.dilation = {2, 2};
                a.padding = {1, 2}, a.kernel_size = {3, 3}, a.out_layout = "NCHW";
              }))
            .type == tt({1, 4, 7, 9}, DType::Int8));
  CHECK(infer("nn.conv2d", {tt({1, 3, 7, 7}, DType::Float32), tt({8, 3, 3, 3}, DType::Float32)},
              convAttrs([](auto &a) {
                a.strides = {2, 1};
              }))
            .type == tt({1, 8, 3, 5}, DType::Float32));
}

TEST_CASE("nn.conv2d type relation rejects bad shapes and attributes", "[ops][conv]") {
  auto err = [](Shape d, Shape w, std::function<void(Conv2DAttrs &)> f, DType dt = DType::Int8,
                DType wt = DType::Int8) {
    return infer("nn.conv2d", {tt(std::move(d), dt), tt(std::move(w), wt)}, convAttrs(f)).error;
  };
  using Catch::Matchers::Contains;
  using Catch::Matchers::Equals;
  CHECK_THAT(err({1, 64, 8, 8}, {64, 64, 3, 3}, [](auto &a) { a.data_layout = "NCWH"; }),
             Equals("data_layout \"NCWH\" is not supported (NCHW, NHWC)"));
  CHECK_THAT(err({1, 64, 8, 8}, {64, 64, 3, 3}, [](auto &a) { a.kernel_layout = "IOHW"; }),
             Contains("kernel_layout \"IOHW\" is not supported"));
  CHECK_THAT(err({1, 8, 8, 64}, {3, 3, 73, 16},
                 [](auto &a) { a.data_layout = "NHWC", a.kernel_layout = "HWIO"; }),
             Contains("has 73 input channels but data has 64"));
  CHECK_THAT(err({1, 64, 8, 8}, {64, 8, 3, 3}, [](auto &a) { a.groups = 4; }),
             Contains("has 8 input channels per group but data has 64 / 4 = 16"));
  CHECK_THAT(err({1, 64, 8, 8}, {64, 64, 3, 3},
                 [](auto &a) {
                   a.strides = {0, 1};
                 }),
             Contains("strides must have 2 entries"));
  CHECK_THAT(err({1, 64, 8, 8}, {64, 64, 3, 3}, [](auto &a) { a.dilation = {1}; }),
             Contains("dilation must have 2 entries"));
  CHECK_THAT(err({1, 64, 8, 8}, {64, 64, 3, 3},
                 [](auto &a) {
                   a.padding = {1, 2, 3};
                 }),
             Contains("padding must have 1, 2 or 4 entries"));
  CHECK_THAT(err({1, 64, 8, 8}, {64, 64, 3, 3}, [](auto &a) { a.padding = {-1}; }),
             Contains("padding must have"));
  CHECK_THAT(err({1, 64, 8, 8}, {64, 64, 3, 3}, [](auto &a) { a.groups = 0; }),
             Contains("groups must be >= 1"));
  CHECK_THAT(err({1, 6, 8, 8}, {6, 2, 3, 3}, [](auto &a) { a.groups = 4; }),
             Contains("groups = 4 does not divide the 6 input channels"));
  CHECK_THAT(err({1, 6, 8, 8}, {5, 2, 3, 3}, [](auto &a) { a.groups = 3; }),
             Contains("does not divide the 5 output channels"));
  CHECK_THAT(err({1, 6, 8, 8}, {8, 6, 3, 3}, [](auto &a) { a.channels = 4; }),
             Contains("channels = 4 but the weight"));
  CHECK_THAT(err({1, 6, 8, 8}, {8, 6, 3, 3},
                 [](auto &a) {
                   a.kernel_size = {1, 1};
                 }),
             Contains("kernel_size = [1, 1] but the weight (8, 6, 3, 3) (OIHW) is 3x3"));
  CHECK_THAT(err({1, 6, 2, 8}, {8, 6, 3, 3}, [](auto &) {}),
             Contains("does not fit the padded input 2x8"));
  CHECK_THAT(err({1, 6, 4, 8}, {8, 6, 3, 3},
                 [](auto &a) {
                   a.dilation = {2, 1};
                 }),
             Contains("the dilated kernel 5x3"));
  CHECK_THAT(err({1, 8, 8, 3}, {3, 3, 3, 2},
                 [](auto &a) { a.data_layout = "NHWC", a.kernel_layout = "HWOI"; }),
             Contains("needs groups == 3"));
  CHECK_THAT(err(
                 {1, 6, 8, 8}, {8, 6, 3, 3}, [](auto &) {}, DType::Float32, DType::Int8),
             Contains("float32 convolution needs both float32"));
  CHECK_THAT(err({1, 6, 8, 8}, {8, 6, 3, 3}, [](auto &a) { a.out_dtype = "float32"; }),
             Contains("out_dtype \"float32\" is not supported"));
  CHECK_THAT(err({1, 6, 8}, {8, 6, 3, 3}, [](auto &) {}), Contains("'data' must be 4-D"));
  CHECK_THAT(err({1, 6, 8, 8}, {8, 6, 3, 0}, [](auto &) {}),
             Contains("argument 'weight' must have dimensions in [1, 2^30]"));
  CHECK_THAT(err({1, 6, 8, 8}, {8, 6, 3, 3}, [](auto &a) { a.padding = {1 << 29}; }),
             Contains("is too large"));
  CHECK_THAT(infer("nn.conv2d", {tt({1, 6, 8, 8}, DType::Int8)}).error,
             Contains("argument 'weight' must be a tensor"));
}

TEST_CASE("nn.conv2d evaluation matches a direct convolution in every layout", "[ops][conv]") {
  std::mt19937_64 rng(101);
  struct Case {
    int64_t n, c, h, w, oc, k, groups;
    std::array<int64_t, 4> pad;
    std::array<int64_t, 2> stride, dil;
  };
  const Case cases[] = {
      {1, 3, 7, 6, 4, 3, 1, {1, 1, 1, 1}, {1, 1}, {1, 1}},
      {2, 4, 9, 9, 6, 3, 2, {0, 1, 2, 0}, {2, 1}, {1, 2}},
      {1, 6, 8, 7, 6, 3, 6, {1, 0, 0, 1}, {1, 2}, {2, 1}},
      {1, 5, 5, 5, 3, 1, 1, {0, 0, 0, 0}, {2, 2}, {1, 1}},
      {1, 8, 6, 6, 4, 2, 4, {2, 2, 2, 2}, {3, 2}, {1, 1}},
      {1, 3, 6, 6, 6, 3, 3, {1, 1, 0, 0}, {1, 1}, {1, 1}}, // depthwise, multiplier 2
  };
  for (const Case &cs : cases) {
    const int64_t icg = cs.c / cs.groups;
    Tensor x = randomFull({cs.n, cs.c, cs.h, cs.w}, DType::Int8, rng);
    Tensor w = randomFull({cs.oc, icg, cs.k, cs.k}, DType::Int8, rng);
    std::vector<int64_t> want = directConvNCHW(x, w, cs.pad, cs.stride, cs.dil, cs.groups, 0);
    auto set = [&](Conv2DAttrs &a) {
      a.padding = {cs.pad[0], cs.pad[1], cs.pad[2], cs.pad[3]};
      a.strides = {cs.stride[0], cs.stride[1]};
      a.dilation = {cs.dil[0], cs.dil[1]};
      a.groups = cs.groups;
      a.out_dtype = "int32";
    };
    Tensor nchw = run("nn.conv2d", {x, w}, convAttrs(set)).tensor;
    CHECK(values(nchw) == want);
    // NHWC data with HWIO and OHWI kernels, NHWC output; and NCHW output from NHWC data.
    Tensor xh = permute4(x, {0, 2, 3, 1});
    for (const char *kl : {"HWIO", "OHWI"}) {
      Tensor wk = std::string(kl) == "HWIO" ? permute4(w, {2, 3, 1, 0}) : permute4(w, {0, 2, 3, 1});
      Tensor y = run("nn.conv2d", {xh, wk}, convAttrs([&](Conv2DAttrs &a) {
                       set(a);
                       a.data_layout = "NHWC", a.kernel_layout = kl;
                     }))
                     .tensor;
      CHECK(values(permute4(y, {0, 3, 1, 2})) == want);
      Tensor z = run("nn.conv2d", {xh, wk}, convAttrs([&](Conv2DAttrs &a) {
                       set(a);
                       a.data_layout = "NHWC", a.kernel_layout = kl, a.out_layout = "NCHW";
                     }))
                     .tensor;
      CHECK(values(z) == want);
    }
    if (cs.groups == cs.c) {
      // Depthwise HWOI: (KH, KW, IC, multiplier), output channel c * multiplier + m.
      const int64_t mult = cs.oc / cs.c;
      Tensor hwoi = permute4(w, {2, 3, 1, 0}).reshaped({cs.k, cs.k, cs.c, mult});
      Tensor y = run("nn.conv2d", {xh, hwoi}, convAttrs([&](Conv2DAttrs &a) {
                       set(a);
                       a.data_layout = "NHWC", a.kernel_layout = "HWOI";
                     }))
                     .tensor;
      CHECK(values(permute4(y, {0, 3, 1, 2})) == want);
    }
  }
}

TEST_CASE("nn.conv2d wraps integer sums to out_dtype and computes float32 in double",
          "[ops][conv]") {
  // 4 products of 127 * 127 = 64516: the int16 sum wraps, int8 keeps the low byte.
  Tensor x = ints({1, 4, 1, 1}, DType::Int8, {127, 127, 127, 127});
  Tensor w = ints({1, 4, 1, 1}, DType::Int8, {127, 127, 127, 127});
  CHECK(
      values(run("nn.conv2d", {x, w}, convAttrs([](auto &a) { a.out_dtype = "int32"; })).tensor) ==
      std::vector<int64_t>{64516});
  CHECK(
      values(run("nn.conv2d", {x, w}, convAttrs([](auto &a) { a.out_dtype = "int16"; })).tensor) ==
      std::vector<int64_t>{int16_t(64516)});
  CHECK(values(run("nn.conv2d", {x, w}).tensor) == std::vector<int64_t>{int8_t(64516 & 0xff)});
  // int32 inputs whose exact sum exceeds int32: the low 32 bits.
  Tensor xi = ints({1, 2, 1, 1}, DType::Int32, {1 << 30, 1 << 30});
  Tensor wi = ints({1, 2, 1, 1}, DType::Int32, {4, 4});
  CHECK(values(run("nn.conv2d", {xi, wi}).tensor) == std::vector<int64_t>{0});
  CHECK(values(
            run("nn.conv2d", {xi, wi}, convAttrs([](auto &a) { a.out_dtype = "int64"; })).tensor) ==
        std::vector<int64_t>{int64_t(1) << 33});
  Tensor xf = floats({1, 1, 2, 2}, {1.5f, -2.0f, 0.25f, 4.0f});
  Tensor wf = floats({2, 1, 1, 1}, {2.0f, -0.5f});
  Tensor yf = run("nn.conv2d", {xf, wf}, convAttrs([](auto &a) {
                    a.padding = {0, 0, 1, 0};
                  }))
                  .tensor;
  REQUIRE(yf.shape() == Shape{1, 2, 3, 2});
  const float want[] = {3, -4, 0.5f, 8, 0, 0, -0.75f, 1, -0.125f, -2, 0, 0};
  for (int i = 0; i < 12; ++i) CHECK(yf.floatAt(i) == want[i]);
}

TEST_CASE("weight transform: TVM's alter-op shape and the closed form", "[ops][conv]") {
  auto wt = [](int64_t n, int64_t k) {
    return attrs<ConvGemmWeightTransformAttrs>([=](auto &a) { a.tile_N = n, a.tile_K = k; });
  };
  const char *opName = "nn.contrib_conv2d_gemm_weight_transform";
  CHECK(infer(opName, {tt({3, 3, 73, 79}, DType::Int8)}, wt(4, 16)).type ==
        tt({20, 42, 4, 16}, DType::Int8));
  CHECK(infer(opName, {tt({1, 1, 8, 24}, DType::UInt8)}, wt(12, 4)).type ==
        tt({2, 2, 12, 4}, DType::UInt8));
  using Catch::Matchers::Contains;
  CHECK_THAT(infer(opName, {tt({3, 3, 73, 79}, DType::Int8)}, wt(0, 16)).error,
             Contains("tile_N must be in [1, 4096], got 0"));
  CHECK_THAT(infer(opName, {tt({3, 3, 73, 79}, DType::Int8)}, wt(4, -1)).error,
             Contains("tile_K must be in"));
  CHECK_THAT(infer(opName, {tt({3, 3, 73, 79}, DType::Int32)}, wt(4, 16)).error,
             Contains("argument 'weight' has dtype int32"));
  CHECK_THAT(infer(opName, {tt({3, 73, 79}, DType::Int8)}, wt(4, 16)).error,
             Contains("4-D HWIO kernel"));
  std::mt19937_64 rng(5);
  for (auto [tn, tk] : {std::pair<int64_t, int64_t>{4, 16}, {12, 4}, {12, 8}, {3, 5}}) {
    Tensor w = randomFull({3, 3, 7, 13}, DType::Int8, rng);
    Tensor p = run(opName, {w}, wt(tn, tk)).tensor;
    const int64_t kTotal = 3 * 3 * 7, ic = 7, kw = 3, oc = 13;
    REQUIRE(p.shape() == Shape{(oc + tn - 1) / tn, (kTotal + tk - 1) / tk, tn, tk});
    int64_t flat = 0, nonZeroPad = 0;
    for (int64_t nb = 0; nb < p.shape()[0]; ++nb)
      for (int64_t kb = 0; kb < p.shape()[1]; ++kb)
        for (int64_t ni = 0; ni < tn; ++ni)
          for (int64_t ki = 0; ki < tk; ++ki, ++flat) {
            const int64_t k = kb * tk + ki, o = nb * tn + ni;
            if (k >= kTotal || o >= oc) {
              nonZeroPad += p.intAt(flat) != 0;
              continue;
            }
            const int64_t h = (k / ic) / kw, ww = (k / ic) % kw, c = k % ic;
            REQUIRE(p.intAt(flat) == w.intAt(((h * kw + ww) * ic + c) * oc + o));
          }
    CHECK(nonZeroPad == 0);
    CHECK(unpackGemmWeight(p, 3, 3, 7, 13).bitEqual(w));
  }
}

TEST_CASE("GEMM conv type relation", "[ops][conv]") {
  const char *opName = "nn.contrib_conv2d_gemm_without_weight_transform";
  auto gemm = [](std::function<void(Conv2DAttrs &)> more = nullptr) {
    return convAttrs([more](Conv2DAttrs &a) {
      a.data_layout = "NHWC", a.kernel_layout = "HWIO", a.kernel_size = {3, 3}, a.channels = 79;
      if (more) more(a);
    });
  };
  const Type x = tt({1, 56, 56, 73}, DType::Int8), p = tt({20, 42, 4, 16}, DType::Int8);
  CHECK(infer(opName, {x, p}, gemm()).type == tt({1, 54, 54, 79}, DType::Int32));
  CHECK(infer(opName, {x, p}, gemm([](auto &a) { a.padding = {1}, a.out_dtype = "int8"; })).type ==
        tt({1, 56, 56, 79}, DType::Int8));
  using Catch::Matchers::Contains;
  CHECK_THAT(infer(opName, {x, p}, gemm([](auto &a) { a.kernel_size = {}; })).error,
             Contains("kernel_size [KH, KW] is required"));
  CHECK_THAT(infer(opName, {x, p}, gemm([](auto &a) { a.channels = 0; })).error,
             Contains("channels (output channels) is required"));
  CHECK_THAT(infer(opName, {x, p}, gemm([](auto &a) { a.groups = 73; })).error,
             Contains("groups must be 1"));
  CHECK_THAT(infer(opName, {x, p}, gemm([](auto &a) { a.data_layout = "NCHW"; })).error,
             Contains("data_layout must be \"NHWC\""));
  CHECK_THAT(infer(opName, {x, p}, gemm([](auto &a) { a.kernel_layout = "OIHW"; })).error,
             Contains("kernel_layout must be \"HWIO\""));
  CHECK_THAT(infer(opName, {x, tt({20, 44, 4, 16}, DType::Int8)}, gemm()).error,
             Contains("has 44 blocks of tile_K = 16 but K = 3*3*73 = 657 needs 42"));
  CHECK_THAT(infer(opName, {x, tt({19, 42, 4, 16}, DType::Int8)}, gemm()).error,
             Contains("channels = 79 needs 20"));
  CHECK_THAT(infer(opName, {x, tt({20, 42, 4, 16}, DType::UInt8)}, gemm()).error,
             Contains("'packed_weight' has dtype uint8 but 'data' has dtype int8"));
  CHECK_THAT(infer(opName, {x, tt({20, 42, 64}, DType::Int8)}, gemm()).error,
             Contains("must be 4-D"));
  CHECK_THAT(infer(opName, {tt({1, 56, 56, 73}, DType::Int16), p}, gemm()).error,
             Contains("argument 'data' has dtype int16"));
}

TEST_CASE("GEMM conv on the packed weight equals nn.conv2d", "[ops][conv]") {
  std::mt19937_64 rng(2024);
  struct Case {
    int64_t tn, tk;
    Shape x;
    int64_t k, oc;
    std::vector<int64_t> pad, stride, dil;
    DType dt;
    const char *out;
  };
  const Case cases[] = {
      {4, 16, {1, 9, 9, 5}, 3, 7, {1, 1, 1, 1}, {1, 1}, {1, 1}, DType::Int8, "int32"},
      {12, 4, {2, 10, 8, 6}, 3, 13, {0, 2, 1, 0}, {2, 1}, {2, 2}, DType::UInt8, "int32"},
      {12, 8, {1, 7, 11, 3}, 2, 25, {1, 0, 2, 3}, {1, 3}, {2, 1}, DType::Int8, "int8"},
      {4, 16, {1, 6, 6, 16}, 1, 4, {0, 0, 0, 0}, {2, 2}, {1, 1}, DType::UInt8, ""},
      {12, 8, {1, 12, 12, 9}, 5, 12, {2, 1, 2, 1}, {3, 2}, {2, 2}, DType::Int8, "int16"},
  };
  for (const Case &cs : cases) {
    Tensor x = randomFull(cs.x, cs.dt, rng);
    Tensor w = randomFull({cs.k, cs.k, cs.x[3], cs.oc}, cs.dt, rng);
    Tensor packed = run("nn.contrib_conv2d_gemm_weight_transform", {w},
                        attrs<ConvGemmWeightTransformAttrs>(
                            [&](auto &a) { a.tile_N = cs.tn, a.tile_K = cs.tk; }))
                        .tensor;
    auto set = [&](Conv2DAttrs &a) {
      a.data_layout = "NHWC", a.kernel_layout = "HWIO";
      a.padding = cs.pad, a.strides = cs.stride, a.dilation = cs.dil;
      a.out_dtype = cs.out;
    };
    Tensor gemm = run("nn.contrib_conv2d_gemm_without_weight_transform", {x, packed},
                      convAttrs([&](Conv2DAttrs &a) {
                        set(a);
                        a.kernel_size = {cs.k, cs.k}, a.channels = cs.oc;
                      }))
                      .tensor;
    auto ref = convAttrs([&](Conv2DAttrs &a) {
      set(a);
      if (a.out_dtype.empty()) a.out_dtype = "int32";
    });
    Tensor direct = run("nn.conv2d", {x, w}, ref).tensor;
    INFO("tiles " << cs.tn << "x" << cs.tk);
    CHECK(gemm.bitEqual(direct));
  }
}

TEST_CASE("conv2d evaluation of a 1x56x56x64 * 3x3x64x64 layer is fast", "[ops][conv][perf]") {
  std::mt19937_64 rng(9);
  Tensor x = randomFull({1, 56, 56, 64}, DType::Int8, rng);
  Tensor w = randomFull({3, 3, 64, 64}, DType::Int8, rng);
  auto t0 = std::chrono::steady_clock::now();
  Tensor y = run("nn.conv2d", {x, w}, convAttrs([](Conv2DAttrs &a) {
                   a.data_layout = "NHWC", a.kernel_layout = "HWIO", a.padding = {1};
                   a.out_dtype = "int32";
                 }))
                 .tensor;
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  CHECK(y.shape() == Shape{1, 56, 56, 64});
  // Spot-check one interior element against the definition.
  int64_t s = 0;
  for (int64_t kh = 0; kh < 3; ++kh)
    for (int64_t kw = 0; kw < 3; ++kw)
      for (int64_t c = 0; c < 64; ++c)
        s += x.intAt(((10 + kh - 1) * 56 + (20 + kw - 1)) * 64 + c) *
             w.intAt(((kh * 3 + kw) * 64 + c) * 64 + 7);
  CHECK(y.intAt((10 * 56 + 20) * 64 + 7) == s);
  WARN("conv2d 1x56x56x64 * 3x3x64x64: " << secs << " s");
  CHECK(secs < 20.0); // generous: the machine is shared; typically well under a second
}
