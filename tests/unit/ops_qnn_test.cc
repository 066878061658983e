// mtc — tests of the qnn ops: type relations, TVM's golden qnn.conv2d values (NCHW and NHWC),
// qnn.conv2d against nn.conv2d on zero-point-shifted data, and requantize / quantize /
// dequantize / add / concatenate / dense / fixed_point_multiply against ir/quant.h.
// SPDX-License-Identifier: Apache-2.0
#include "ir/builder.h"
#include "ir/quant.h"
#include "tests/unit/qnn_test_util.h"

#include <cmath>
#include <functional>
#include <limits>

using namespace mtc::ir;
using namespace mtc::ir::qnntest;
using Catch::Matchers::Contains;
using Catch::Matchers::Equals;

namespace {

Type tt(Shape s, DType d) { return Type::tensor(std::move(s), d); }
Type si32() { return Type::scalar(DType::Int32); }
Type sf32() { return Type::scalar(DType::Float32); }

AttrsPtr convAttrs(std::function<void(Conv2DAttrs &)> f) { return attrs<Conv2DAttrs>(f); }

Value qconv(const Tensor &x, const Tensor &w, int64_t zpA, const Tensor &zpW, AttrsPtr a,
            const Tensor &kernelScale = f32(1.0f)) {
  return run("qnn.conv2d", {x, w, i32(zpA), zpW, f32(1.0f), kernelScale}, a);
}

std::vector<int64_t> plus(int64_t base, std::vector<int64_t> v) {
  for (int64_t &x : v) x += base;
  return v;
}

} // namespace

TEST_CASE("qnn ops are registered with their patterns and chain with Builder", "[ops][qnn]") {
  for (const char *name : {"qnn.conv2d", "qnn.dense", "qnn.requantize", "qnn.quantize",
                           "qnn.dequantize", "qnn.add", "qnn.concatenate"})
    CHECK(op(name).pattern == OpPattern::Opaque);
  CHECK(op("fixed_point_multiply").pattern == OpPattern::ElemWise);
  CHECK(op("fixed_point_multiply_per_axis").pattern == OpPattern::Broadcast);
  CHECK(op("qnn.conv2d").argNames == std::vector<std::string>{"data", "weight", "input_zero_point",
                                                              "kernel_zero_point", "input_scale",
                                                              "kernel_scale"});
  Context ctx;
  Builder b(ctx);
  auto *x = b.var("x", tt({1, 8, 8, 16}, DType::UInt8));
  auto *w = b.var("w", tt({3, 3, 16, 32}, DType::Int8));
  auto *conv = b.call<Conv2DAttrs>(
      "qnn.conv2d",
      {x, w, b.scalarInt(3), b.scalarInt(0), b.scalarFloat(0.5f), b.scalarFloat(0.25f)},
      [](Conv2DAttrs &a) { a.data_layout = "NHWC", a.kernel_layout = "HWIO", a.padding = {1}; });
  Inferred ct = infer("qnn.conv2d", {x->annotation, w->annotation, si32(), si32(), sf32(), sf32()},
                      conv->attrs);
  REQUIRE(ct.error.empty());
  CHECK(ct.type == tt({1, 8, 8, 32}, DType::Int32));
  auto *rq = b.call<RequantizeAttrs>(
      "qnn.requantize",
      {conv, b.scalarFloat(0.125f), b.scalarInt(0), b.scalarFloat(0.5f), b.scalarInt(-3)},
      [](RequantizeAttrs &a) { a.out_dtype = "int8"; });
  Inferred rt = infer("qnn.requantize", {ct.type, sf32(), si32(), sf32(), si32()}, rq->attrs);
  REQUIRE(rt.error.empty());
  CHECK(rt.type == tt({1, 8, 8, 32}, DType::Int8));
}

TEST_CASE("qnn.conv2d type relation", "[ops][qnn]") {
  const Type x = tt({1, 64, 56, 56}, DType::UInt8), w = tt({32, 64, 3, 3}, DType::Int8);
  CHECK(infer("qnn.conv2d", {x, w, si32(), si32(), sf32(), sf32()}).type ==
        tt({1, 32, 54, 54}, DType::Int32));
  CHECK(infer("qnn.conv2d",
              {x, w, si32(), tt({32}, DType::Int32), sf32(), tt({32}, DType::Float32)},
              convAttrs([](auto &a) { a.out_dtype = "int16", a.padding = {1}; }))
            .type == tt({1, 32, 56, 56}, DType::Int16));
  CHECK(infer("qnn.conv2d",
              {tt({1, 9, 9, 4}, DType::Int16), tt({3, 3, 4, 2}, DType::Int16), si32(), si32(),
               sf32(), tt({8}, DType::Float32)},
              convAttrs([](auto &a) {
                a.data_layout = "NHWC", a.kernel_layout = "HWOI", a.groups = 4,
                a.out_dtype = "int64";
              }))
            .type == tt({1, 7, 7, 8}, DType::Int64));
  const Type w64 = tt({64, 64, 3, 3}, DType::Int8);
  CHECK_THAT(infer("qnn.conv2d", {x, w64, si32(), si32(), sf32(), tt({32}, DType::Float32)}).error,
             Equals("argument 'kernel_scale' must be a scalar or a vector of length 64, got "
                    "Tensor[(32), float32]"));
  CHECK_THAT(infer("qnn.conv2d", {x, w64, si32(), tt({63}, DType::Int32), sf32(), sf32()}).error,
             Contains("argument 'kernel_zero_point' must be a scalar or a vector of length 64"));
  CHECK_THAT(infer("qnn.conv2d", {x, w64, tt({64}, DType::Int32), si32(), sf32(), sf32()}).error,
             Contains("argument 'input_zero_point' must be a scalar, got Tensor[(64), int32]"));
  CHECK_THAT(infer("qnn.conv2d", {x, w64, si32(), si32(), si32(), sf32()}).error,
             Contains("argument 'input_scale' has dtype int32, expected float32"));
  CHECK_THAT(
      infer("qnn.conv2d", {tt({1, 64, 8, 8}, DType::Float32), w64, si32(), si32(), sf32(), sf32()})
          .error,
      Contains("argument 'data' has dtype float32, expected one of int8, uint8, int16"));
  CHECK_THAT(infer("qnn.conv2d", {x, w64, si32(), si32(), sf32(), sf32()},
                   convAttrs([](auto &a) { a.out_dtype = "int8"; }))
                 .error,
             Contains("out_dtype \"int8\" is not supported (int16, int32, int64)"));
  CHECK_THAT(
      infer("qnn.conv2d", {x, tt({64, 73, 3, 3}, DType::Int8), si32(), si32(), sf32(), sf32()})
          .error,
      Contains("has 73 input channels but data has 64"));
  CHECK_THAT(infer("qnn.conv2d", {x, w64, si32(), si32(), sf32()}).error,
             Contains("argument 'kernel_scale' must be a tensor, got nothing"));
}

TEST_CASE("qnn.conv2d: TVM's golden TFLite values, NCHW/OIHW and NHWC/HWIO", "[ops][qnn]") {
  struct Golden {
    const char *name;
    Tensor x, w;
    int64_t zpA, zpW;
    std::vector<int64_t> strides;
    Shape outNCHW;
    std::vector<int64_t> want; // NCHW order
  };
  std::vector<Golden> cases;
  cases.push_back({"test_tflite_large_irregular",
                   ints({1, 1024, 1, 1}, DType::UInt8, std::vector<int64_t>(1024, 127)),
                   ints({1001, 1024, 1, 1}, DType::UInt8, std::vector<int64_t>(1001 * 1024, 127)),
                   127,
                   127,
                   {1, 1},
                   {1, 1001, 1, 1},
                   std::vector<int64_t>(1001, 0)});
  cases.push_back(
      {"test_tflite_output_multiplier_greater_than_one",
       ints({2, 1, 2, 4}, DType::UInt8,
            plus(128, {1, 1, 1, 1, 2, 2, 2, 2, 1, 2, 3, 4, 1, 2, 3, 4})),
       ints({3, 1, 2, 2}, DType::UInt8, plus(128, {1, 2, 3, 4, -1, 1, -1, 1, -1, -1, 1, 1})),
       128,
       128,
       {2, 2},
       {2, 3, 1, 2},
       {17, 17, 0, 0, 2, 2, 16, 36, 2, 2, 0, 0}});
  cases.push_back({"test_tflite_anistropic_strides",
                   ints({1, 1, 3, 6}, DType::UInt8,
                        {133, 131, 129, 125, 123, 121, 135, 133, 131, 123, 121, 119, 137, 135, 133,
                         121, 119, 117}),
                   ints({1, 1, 2, 2}, DType::UInt8, {129, 131, 133, 135}),
                   127,
                   127,
                   {1, 3},
                   {1, 1, 2, 2},
                   {124, -92, 164, -132}});
  for (const Golden &g : cases) {
    INFO(g.name);
    Value nchw =
        qconv(g.x, g.w, g.zpA, i32(g.zpW), convAttrs([&](auto &a) { a.strides = g.strides; }));
    CHECK(nchw.tensor.shape() == g.outNCHW);
    CHECK(values(nchw.tensor) == g.want);
    Value nhwc = qconv(permute4(g.x, {0, 2, 3, 1}), permute4(g.w, {2, 3, 1, 0}), g.zpA, i32(g.zpW),
                       convAttrs([&](auto &a) {
                         a.strides = g.strides, a.data_layout = "NHWC", a.kernel_layout = "HWIO";
                       }));
    CHECK(values(permute4(nhwc.tensor, {0, 3, 1, 2})) == g.want);
  }
}

TEST_CASE("qnn.conv2d equals nn.conv2d on zero-point-shifted data", "[ops][qnn]") {
  std::mt19937_64 rng(77);
  struct Case {
    DType xd, wd;
    Shape x, w; // NCHW / OIHW
    int64_t groups;
    std::vector<int64_t> pad, strides, dil;
    bool perChannelZp;
    const char *out;
  };
  const Case cases[] = {
      {DType::UInt8,
       DType::Int8,
       {2, 4, 7, 6},
       {5, 4, 3, 3},
       1,
       {1, 0, 2, 1},
       {1, 2},
       {1, 1},
       true,
       ""},
      {DType::Int8, DType::Int8, {1, 6, 9, 9}, {6, 1, 3, 3}, 6, {1}, {2, 2}, {2, 1}, true, "int32"},
      {DType::UInt8,
       DType::UInt8,
       {1, 8, 6, 5},
       {4, 4, 2, 2},
       2,
       {0, 1},
       {1, 1},
       {2, 2},
       false,
       "int64"},
      {DType::Int16,
       DType::Int8,
       {1, 3, 5, 5},
       {6, 1, 3, 3},
       3,
       {1, 1, 1, 1},
       {1, 1},
       {1, 1},
       true,
       "int32"},
      {DType::Int8,
       DType::UInt8,
       {1, 16, 4, 4},
       {8, 16, 1, 1},
       1,
       {0},
       {2, 1},
       {1, 1},
       true,
       "int16"},
  };
  for (const Case &cs : cases) {
    Tensor x = randomFull(cs.x, cs.xd, rng), w = randomFull(cs.w, cs.wd, rng);
    const int64_t oc = cs.w[0], perO = cs.w[1] * cs.w[2] * cs.w[3];
    const int64_t zpA = std::uniform_int_distribution<int64_t>(-20, 200)(rng);
    std::vector<int64_t> zpW(static_cast<size_t>(cs.perChannelZp ? oc : 1));
    for (int64_t &z : zpW) z = std::uniform_int_distribution<int64_t>(-100, 150)(rng);
    Tensor zpWt = cs.perChannelZp ? ints({oc}, DType::Int32, zpW) : i32(zpW[0]);
    Tensor scales = floats({oc}, std::vector<float>(static_cast<size_t>(oc), 0.5f));
    Tensor xs = mapInts(x, DType::Int32, [&](int64_t v) { return v - zpA; });
    Tensor ws = Tensor::zeros(w.shape(), DType::Int32);
    for (int64_t i = 0; i < w.numElements(); ++i)
      ws.setInt(i, w.intAt(i) - zpW[cs.perChannelZp ? static_cast<size_t>(i / perO) : 0]);
    auto set = [&](Conv2DAttrs &a) {
      a.groups = cs.groups, a.padding = cs.pad, a.strides = cs.strides, a.dilation = cs.dil;
      a.out_dtype = cs.out;
    };
    Tensor want = run("nn.conv2d", {xs, ws}, convAttrs([&](Conv2DAttrs &a) {
                        set(a);
                        if (a.out_dtype.empty()) a.out_dtype = "int32";
                      }))
                      .tensor;
    Tensor got = qconv(x, w, zpA, zpWt, convAttrs(set), scales).tensor;
    CHECK(got.bitEqual(want));
    // Same in NHWC; depthwise kernels (one input channel per group) use HWOI.
    const bool depthwise = cs.groups == cs.x[1] && cs.w[1] == 1;
    Tensor wk = permute4(w, {2, 3, 1, 0});
    if (depthwise) wk = wk.reshaped({cs.w[2], cs.w[3], cs.x[1], oc / cs.x[1]});
    Tensor gotNhwc = qconv(permute4(x, {0, 2, 3, 1}), wk, zpA, zpWt, convAttrs([&](Conv2DAttrs &a) {
                             set(a);
                             a.data_layout = "NHWC", a.kernel_layout = depthwise ? "HWOI" : "HWIO";
                           }),
                           scales)
                         .tensor;
    CHECK(permute4(gotNhwc, {0, 3, 1, 2}).bitEqual(want));
  }
}

TEST_CASE("qnn.requantize type relation", "[ops][qnn]") {
  const Type x = tt({1, 4, 4, 8}, DType::Int32);
  auto rq = [](std::function<void(RequantizeAttrs &)> f) { return attrs<RequantizeAttrs>(f); };
  CHECK(infer("qnn.requantize", {x, sf32(), si32(), sf32(), si32()}).type ==
        tt({1, 4, 4, 8}, DType::Int8));
  CHECK(infer("qnn.requantize", {x, tt({8}, DType::Float32), tt({8}, DType::Int32), sf32(), si32()},
              rq([](auto &a) { a.out_dtype = "uint8", a.rounding = "TFLITE"; }))
            .type == tt({1, 4, 4, 8}, DType::UInt8));
  CHECK(infer("qnn.requantize", {x, tt({4}, DType::Float32), si32(), sf32(), si32()},
              rq([](auto &a) { a.axis = 1, a.out_dtype = "int32"; }))
            .type == tt({1, 4, 4, 8}, DType::Int32));
  CHECK(
      infer("qnn.requantize", {Type::scalar(DType::Int16), sf32(), si32(), sf32(), si32()}).type ==
      Type::scalar(DType::Int8));
  CHECK_THAT(infer("qnn.requantize", {x, sf32(), si32(), sf32(), si32()},
                   rq([](auto &a) { a.rounding = "NEAREST"; }))
                 .error,
             Equals("rounding \"NEAREST\" is not supported (UPWARD, TONEAREST, TFLITE)"));
  CHECK_THAT(infer("qnn.requantize", {x, tt({5}, DType::Float32), si32(), sf32(), si32()}).error,
             Equals("argument 'input_scale' must be a scalar or a vector of length 8, got "
                    "Tensor[(5), float32]"));
  CHECK_THAT(infer("qnn.requantize", {x, sf32(), si32(), tt({8}, DType::Float32), si32()}).error,
             Contains("argument 'output_scale' must be a scalar"));
  CHECK_THAT(
      infer("qnn.requantize", {x, sf32(), si32(), sf32(), si32()}, rq([](auto &a) { a.axis = 4; }))
          .error,
      Equals("axis 4 is out of range for rank 4"));
  CHECK_THAT(infer("qnn.requantize", {x, sf32(), si32(), sf32(), si32()},
                   rq([](auto &a) { a.out_dtype = "int64"; }))
                 .error,
             Contains("out_dtype \"int64\" is not supported"));
  CHECK_THAT(
      infer("qnn.requantize", {tt({3}, DType::Float32), sf32(), si32(), sf32(), si32()}).error,
      Contains("argument 'data' has dtype float32"));
}

TEST_CASE("qnn.requantize evaluation, per tensor and per channel, in all roundings", "[ops][qnn]") {
  auto rq = [](const char *r, const char *out, int64_t axis) {
    return attrs<RequantizeAttrs>(
        [=](auto &a) { a.rounding = r, a.out_dtype = out, a.axis = axis; });
  };
  // -3 * 0.5 = -1.5 and 3 * 0.5 = 1.5: ties.
  Tensor x = ints({2}, DType::Int32, {-3, 3});
  CHECK(values(run("qnn.requantize", {x, f32(0.5f), i32(0), f32(1.0f), i32(0)},
                   rq("UPWARD", "int8", -1))
                   .tensor) == std::vector<int64_t>{-1, 2});
  CHECK(values(run("qnn.requantize", {x, f32(0.5f), i32(0), f32(1.0f), i32(0)},
                   rq("TONEAREST", "int8", -1))
                   .tensor) == std::vector<int64_t>{-2, 2});
  CHECK(values(run("qnn.requantize", {x, f32(0.5f), i32(0), f32(1.0f), i32(0)},
                   rq("TFLITE", "int8", -1))
                   .tensor) == std::vector<int64_t>{-1, 2}); // SQRDMULH: ties toward +infinity

  std::mt19937_64 rng(31);
  const Shape shape{2, 3, 5, 4};
  for (const char *rounding : {"UPWARD", "TONEAREST", "TFLITE"})
    for (const char *out : {"int8", "uint8", "int16", "int32"})
      for (int64_t axis : {-1, 1}) {
        Tensor data = randomInts(shape, DType::Int32, -5000000, 5000000, rng);
        data.setInt(0, std::numeric_limits<int32_t>::max());
        data.setInt(1, std::numeric_limits<int32_t>::min());
        const int64_t channels = shape[static_cast<size_t>(axis < 0 ? axis + 4 : axis)];
        std::vector<float> sIn;
        std::vector<int64_t> zIn;
        for (int64_t c = 0; c < channels; ++c) {
          sIn.push_back(
              std::ldexp(0.5f + 0.37f * static_cast<float>(c), -static_cast<int>(rng() % 12)));
          zIn.push_back(static_cast<int64_t>(rng() % 41) - 20);
        }
        sIn[0] = 0.25f; // equal to the output scale: the step is skipped for this channel
        const float sOut = 0.25f;
        const int64_t zOut = 7;
        const Rounding r = *parseRounding(rounding);
        const DType od = *parseDType(out);
        Tensor perChannel = run("qnn.requantize",
                                {data, floats({channels}, sIn), ints({channels}, DType::Int32, zIn),
                                 f32(sOut), i32(zOut)},
                                rq(rounding, out, axis))
                                .tensor;
        Tensor perTensor =
            run("qnn.requantize", {data, f32(sIn[1]), i32(zIn[1]), f32(sOut), i32(zOut)},
                rq(rounding, out, axis))
                .tensor;
        const int64_t inner = axis == 1 ? shape[2] * shape[3] : 1;
        for (int64_t i = 0; i < data.numElements(); ++i) {
          const size_t c = static_cast<size_t>((i / inner) % channels);
          INFO("rounding " << rounding << ", out " << out << ", axis " << axis << ", i " << i);
          REQUIRE(perChannel.intAt(i) == requantizeValue(data.intAt(i), zIn[c],
                                                         requantizeStep(sIn[c], sOut), zOut, r,
                                                         od));
          REQUIRE(perTensor.intAt(i) == requantizeValue(data.intAt(i), zIn[1],
                                                        requantizeStep(sIn[1], sOut), zOut, r, od));
        }
      }
}

TEST_CASE("qnn.quantize and qnn.dequantize", "[ops][qnn]") {
  auto qa = [](const char *out, int64_t axis) {
    return attrs<QuantizeAttrs>([=](auto &a) { a.out_dtype = out, a.axis = axis; });
  };
  Tensor x = floats({6}, {0, 2, 3, 1000, -254, -1000});
  CHECK(values(run("qnn.quantize", {x, f32(2.0f), i32(128)}, qa("uint8", -1)).tensor) ==
        std::vector<int64_t>{128, 129, 130, 255, 1, 0});
  Tensor halves = floats({4}, {0.5f, -0.5f, 2.5f, -2.5f});
  CHECK(values(run("qnn.quantize", {halves, f32(1.0f), i32(0)}, qa("int8", -1)).tensor) ==
        std::vector<int64_t>{1, -1, 3, -3});
  // Per channel along axis 0 of a (2, 3) tensor.
  Tensor m = floats({2, 3}, {1, 2, 3, 1, 2, 3});
  Tensor q = run("qnn.quantize", {m, floats({2}, {1.0f, 0.5f}), ints({2}, DType::Int32, {0, 10})},
                 qa("int16", 0))
                 .tensor;
  CHECK(values(q) == std::vector<int64_t>{1, 2, 3, 12, 14, 16});
  Tensor back =
      run("qnn.dequantize", {q, floats({2}, {1.0f, 0.5f}), ints({2}, DType::Int32, {0, 10})},
          attrs<DequantizeAttrs>([](auto &a) { a.axis = 0; }))
          .tensor;
  REQUIRE(back.dtype() == DType::Float32);
  for (int64_t i = 0; i < 6; ++i) CHECK(back.floatAt(i) == m.floatAt(i));
  Tensor d =
      run("qnn.dequantize", {ints({3}, DType::UInt8, {0, 128, 255}), f32(0.1f), i32(128)}).tensor;
  CHECK(d.floatAt(0) == -128.0f * 0.1f);
  CHECK(d.floatAt(1) == 0.0f);
  CHECK(d.floatAt(2) == 127.0f * 0.1f);
  CHECK_THAT(infer("qnn.quantize", {tt({2, 3}, DType::Int8), sf32(), si32()}).error,
             Contains("argument 'data' has dtype int8, expected float32"));
  CHECK_THAT(
      infer("qnn.quantize", {tt({2, 3}, DType::Float32), tt({2}, DType::Float32), si32()}).error,
      Contains("must be a scalar or a vector of length 3"));
  CHECK_THAT(
      infer("qnn.quantize", {tt({2, 3}, DType::Float32), sf32(), si32()}, qa("float32", -1)).error,
      Contains("out_dtype \"float32\" is not supported"));
  CHECK_THAT(infer("qnn.dequantize", {tt({2, 3}, DType::Float32), sf32(), si32()}).error,
             Contains("argument 'data' has dtype float32"));
  CHECK_THAT(infer("qnn.dequantize", {tt({2, 3}, DType::Int8), sf32(), tt({3}, DType::Int8)}).error,
             Contains("argument 'input_zero_point' has dtype int8"));
}

TEST_CASE("qnn.add requantizes both sides to the output parameters", "[ops][qnn]") {
  auto add = [](const char *rounding) {
    return attrs<QnnBinaryAttrs>([=](auto &a) { a.rounding = rounding; });
  };
  // 3 * 0.5 = 1.5 rounds to 2 on each side (UPWARD), so 3 + 3 gives 4, not 3.
  Tensor three = ints({1}, DType::Int8, {3});
  CHECK(
      values(run("qnn.add", {three, three, f32(0.5f), i32(0), f32(0.5f), i32(0), f32(1.0f), i32(0)},
                 add("UPWARD"))
                 .tensor) == std::vector<int64_t>{4});
  Tensor mthree = ints({1}, DType::Int8, {-3});
  CHECK(values(run("qnn.add",
                   {mthree, mthree, f32(0.5f), i32(0), f32(0.5f), i32(0), f32(1.0f), i32(0)},
                   add("UPWARD"))
                   .tensor) == std::vector<int64_t>{-2});
  CHECK(values(run("qnn.add",
                   {mthree, mthree, f32(0.5f), i32(0), f32(0.5f), i32(0), f32(1.0f), i32(0)},
                   add("TONEAREST"))
                   .tensor) == std::vector<int64_t>{-4});
  // Broadcasting and clamping to the input dtype, against quant.h.
  std::mt19937_64 rng(3);
  Tensor l = randomFull({2, 3, 4}, DType::UInt8, rng), r = randomFull({3, 1}, DType::UInt8, rng);
  const float ls = 0.05f, rs = 0.11f, os = 0.07f;
  const int64_t lz = 120, rz = 130, oz = 125;
  Tensor y =
      run("qnn.add", {l, r, f32(ls), i32(lz), f32(rs), i32(rz), f32(os), i32(oz)}, add("UPWARD"))
          .tensor;
  REQUIRE(y.shape() == Shape{2, 3, 4});
  for (int64_t i = 0; i < y.numElements(); ++i) {
    const int64_t j = (i / 4) % 3;
    const int64_t lv =
        requantizeValue(l.intAt(i), lz, requantizeStep(ls, os), oz, Rounding::Upward, DType::Int32);
    const int64_t rv =
        requantizeValue(r.intAt(j), rz, requantizeStep(rs, os), oz, Rounding::Upward, DType::Int32);
    REQUIRE(y.intAt(i) == clampToDType(lv + rv - oz, DType::UInt8));
  }
  const std::vector<Type> ok{tt({2, 3}, DType::Int8),
                             tt({3}, DType::Int8),
                             sf32(),
                             si32(),
                             sf32(),
                             si32(),
                             sf32(),
                             si32()};
  CHECK(infer("qnn.add", ok).type == tt({2, 3}, DType::Int8));
  auto bad = ok;
  bad[1] = tt({3}, DType::UInt8);
  CHECK_THAT(infer("qnn.add", bad).error,
             Contains("'rhs' has dtype uint8 but 'lhs' has dtype int8"));
  bad = ok;
  bad[1] = tt({4}, DType::Int8);
  CHECK_THAT(infer("qnn.add", bad).error, Contains("shapes (2, 3) and (4) do not broadcast"));
  bad = ok;
  bad[2] = tt({2}, DType::Float32);
  CHECK_THAT(infer("qnn.add", bad).error,
             Contains("argument 'lhs_scale' must be a scalar or a vector of length 3"));
  CHECK_THAT(infer("qnn.add", ok, add("DOWN")).error,
             Contains("rounding \"DOWN\" is not supported"));
}

TEST_CASE("qnn.concatenate requantizes inputs whose parameters differ", "[ops][qnn]") {
  Tensor a = ints({1, 2}, DType::UInt8, {10, 250});
  Tensor b = ints({1, 3}, DType::UInt8, {0, 100, 255});
  Value data = Value::tuple({a, b});
  Value scales = Value::tuple({f32(0.5f), f32(1.0f)});
  Value zps = Value::tuple({i32(5), i32(100)});
  Tensor y = run("qnn.concatenate", {data, scales, zps, f32(0.5f), i32(5)},
                 attrs<ConcatenateAttrs>([](auto &c) { c.axis = 1; }))
                 .tensor;
  REQUIRE(y.shape() == Shape{1, 5});
  // a keeps its values; b: (q - 100) * 2 + 5, clamped to uint8.
  CHECK(values(y) == std::vector<int64_t>{10, 250, 0, 5, 255});
  Tensor y0 =
      run("qnn.concatenate",
          {Value::tuple(
               {ints({1, 2}, DType::Int8, {1, 2}), ints({2, 2}, DType::Int8, {-3, 3, 4, 5})}),
           Value::tuple({f32(1.0f), f32(0.5f)}), Value::tuple({i32(0), i32(0)}), f32(1.0f), i32(0)},
          attrs<ConcatenateAttrs>([](auto &c) { c.axis = -2; }))
          .tensor;
  CHECK(values(y0) == std::vector<int64_t>{1, 2, -1, 2, 2, 3}); // UPWARD: -1.5 -> -1
  const Type tup = Type::tuple({tt({1, 2}, DType::UInt8), tt({1, 3}, DType::UInt8)});
  const Type sc = Type::tuple({sf32(), sf32()}), zp = Type::tuple({si32(), si32()});
  CHECK_THAT(
      infer("qnn.concatenate", {tup, sc, zp, sf32(), si32()}).error,
      Contains("field 1 of 'data' has shape (1, 3) which does not match (1, 2) outside axis 0"));
  CHECK_THAT(infer("qnn.concatenate", {tup, Type::tuple({sf32()}), zp, sf32(), si32()},
                   attrs<ConcatenateAttrs>([](auto &c) { c.axis = 1; }))
                 .error,
             Contains("argument 'input_scales' must be a tuple of 2 float32 scalars"));
  CHECK_THAT(infer("qnn.concatenate", {tt({1, 2}, DType::UInt8), sc, zp, sf32(), si32()}).error,
             Contains("argument 'data' must be a non-empty tuple of tensors"));
}

TEST_CASE("qnn.dense", "[ops][qnn]") {
  std::mt19937_64 rng(19);
  Tensor x = randomFull({3, 10}, DType::UInt8, rng), w = randomFull({4, 10}, DType::Int8, rng);
  const std::vector<int64_t> zpW{1, -2, 3, 0};
  Tensor y =
      run("qnn.dense", {x, w, i32(128), ints({4}, DType::Int32, zpW), f32(0.1f), f32(0.2f)}).tensor;
  REQUIRE(y.shape() == Shape{3, 4});
  REQUIRE(y.dtype() == DType::Int32);
  for (int64_t m = 0; m < 3; ++m)
    for (int64_t n = 0; n < 4; ++n) {
      int64_t s = 0;
      for (int64_t k = 0; k < 10; ++k)
        s += (x.intAt(m * 10 + k) - 128) * (w.intAt(n * 10 + k) - zpW[n]);
      CHECK(y.intAt(m * 4 + n) == s);
    }
  CHECK_THAT(infer("qnn.dense", {tt({3, 10}, DType::Int8), tt({4, 9}, DType::Int8), si32(), si32(),
                                 sf32(), sf32()})
                 .error,
             Contains("weight has 9 input features but data has 10"));
  CHECK_THAT(
      infer("qnn.dense",
            {tt({3, 10}, DType::Int8), tt({4, 10}, DType::Int8), si32(), si32(), sf32(), sf32()},
            attrs<DenseAttrs>([](auto &a) { a.units = 5; }))
          .error,
      Contains("units = 5 but the weight has 4 rows"));
}

TEST_CASE("fixed_point_multiply and fixed_point_multiply_per_axis", "[ops][qnn]") {
  std::mt19937_64 rng(23);
  Tensor x = randomInts({3, 4}, DType::Int32, std::numeric_limits<int32_t>::min(),
                        std::numeric_limits<int32_t>::max(), rng);
  for (const char *rounding : {"UPWARD", "TONEAREST", "TFLITE"}) {
    const Rounding r = *parseRounding(rounding);
    for (int shift : {-33, -5, 0, 1, 3}) {
      Tensor y = run("fixed_point_multiply", {x}, attrs<FixedPointMultiplyAttrs>([&](auto &a) {
                       a.multiplier = 1518500250, a.shift = shift, a.rounding = rounding;
                     }))
                     .tensor;
      for (int64_t i = 0; i < 12; ++i)
        REQUIRE(y.intAt(i) ==
                fixedPointMultiplyInt32(static_cast<int32_t>(x.intAt(i)), 1518500250, shift, r));
    }
    const std::vector<int64_t> q{1 << 30, 1610612736, 2147483647, 1073741825}, s{0, -3, 2, -31};
    Tensor y = run("fixed_point_multiply_per_axis",
                   {x, ints({4}, DType::Int32, q), ints({4}, DType::Int32, s)},
                   attrs<FixedPointMultiplyPerAxisAttrs>([&](auto &a) { a.rounding = rounding; }))
                   .tensor;
    for (int64_t i = 0; i < 12; ++i)
      REQUIRE(y.intAt(i) == fixedPointMultiplyInt32(static_cast<int32_t>(x.intAt(i)),
                                                    static_cast<int32_t>(q[i % 4]),
                                                    static_cast<int>(s[i % 4]), r));
  }
  CHECK_THAT(infer("fixed_point_multiply", {tt({3}, DType::Int8)}).error,
             Contains("argument 'x' has dtype int8, expected int32"));
  CHECK_THAT(infer("fixed_point_multiply", {tt({3}, DType::Int32)},
                   attrs<FixedPointMultiplyAttrs>([](auto &a) { a.multiplier = int64_t(1) << 31; }))
                 .error,
             Contains("multiplier = 2147483648 does not fit int32"));
  CHECK_THAT(infer("fixed_point_multiply_per_axis",
                   {tt({3, 4}, DType::Int32), tt({3}, DType::Int32), tt({4}, DType::Int32)})
                 .error,
             Contains("argument 'multipliers' must be a vector of length 4 (x.shape[1])"));
  CHECK(infer("fixed_point_multiply_per_axis",
                   {tt({3, 4}, DType::Int32), tt({3}, DType::Int32), tt({3}, DType::Int32)},
                   attrs<FixedPointMultiplyPerAxisAttrs>([](auto &a) { a.axis = 0; }))
                 .type == tt({3, 4}, DType::Int32));
}
