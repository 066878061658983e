// mtc — QnnCanonicalize tests of qnn.conv2d: TVM's test_op_qnn_conv2d.py cases
// (tvm_conv2d_gemm.md §5) as structural and numeric checks, and the three golden-value tests
// through the canonical form. The requantize family is in qnn_canonicalize_requantize_test.cc.
// SPDX-License-Identifier: Apache-2.0
#include "qnn_canonicalize_util.h"

#include "ir/builder.h"
#include "ir/ops/attrs.h"
#include "ir/quant.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <random>

using mtc::testutil::countOp;
using mtc::testutil::canonicalize;
using mtc::testutil::checkSameValues;
using mtc::testutil::PassFixture;
namespace ir = mtc::ir;
namespace mt = mtc::testing;

namespace {

// A module with one qnn.conv2d of `data` and `weight` types.
std::string qconv(const std::string &data, const std::string &weight, const std::string &zpA,
                  const std::string &zpW, const std::string &attrs) {
  return "def @main(%data: Tensor[" + data + "], %weight: Tensor[" + weight + "]) {\n" +
         "  qnn.conv2d(%data, %weight, " + zpA + ", " + zpW + ", 0.5f, 0.25f, " + attrs +
         ", out_dtype=\"int32\")\n}\n";
}

const char *kNchw22 = "channels=3, kernel_size=[2, 2]";

} // namespace

TEST_CASE("QnnCanonicalize: no zero point is one nn.conv2d", "[passes][qnn_canonicalize]") {
  for (const char *dt : {"uint8", "int8"}) {
    INFO(dt);
    PassFixture f;
    ir::Module m = f.parse(qconv(std::string("(2, 1, 2, 4), ") + dt,
                                 std::string("(3, 1, 2, 2), ") + dt, "0", "0", kNchw22));
    ir::Module out = canonicalize(f, m);
    f.checkEqual(out, std::string("def @main(%data: Tensor[(2, 1, 2, 4), ") + dt +
                          "], %weight: Tensor[(3, 1, 2, 2), " + dt + R"(]) {
  nn.conv2d(%data, %weight, channels=3, kernel_size=[2, 2], out_dtype="int32")
})");
  }
}

TEST_CASE("QnnCanonicalize: kernel zero point is T1 - T2", "[passes][qnn_canonicalize]") {
  PassFixture f;
  // zp_w = 1: T2 is the pooled channel sum itself (TVM skips the multiply by 1).
  ir::Module m = f.parse(qconv("(2, 4, 2, 4), uint8", "(3, 4, 2, 2), uint8", "0", "1", kNchw22));
  ir::Module out = canonicalize(f, m);
  f.checkEqual(out, R"(
def @main(%data: Tensor[(2, 4, 2, 4), uint8], %weight: Tensor[(3, 4, 2, 2), uint8]) {
  %0 = nn.conv2d(%data, %weight, channels=3, kernel_size=[2, 2], out_dtype="int32");
  %1 = cast(%data, dtype="int32");
  %2 = sum(%1, axis=[1], keepdims=True);
  %3 = multiply(%2, 4);
  %4 = nn.avg_pool2d(%3, pool_size=[2, 2]);
  subtract(%0, %4)
})");
  // int8 with zp_w = 5.
  PassFixture g;
  canonicalize(g, g.parse(qconv("(2, 1, 2, 4), int8", "(3, 1, 2, 2), int8", "0", "5", kNchw22)));
}

TEST_CASE("QnnCanonicalize: input zero point is T1 - T3", "[passes][qnn_canonicalize]") {
  PassFixture f;
  ir::Module m = f.parse(qconv("(2, 4, 2, 4), uint8", "(3, 4, 2, 2), uint8", "5", "0", kNchw22));
  ir::Module out = canonicalize(f, m);
  f.checkEqual(out, R"(
def @main(%data: Tensor[(2, 4, 2, 4), uint8], %weight: Tensor[(3, 4, 2, 2), uint8]) {
  %0 = nn.conv2d(%data, %weight, channels=3, kernel_size=[2, 2], out_dtype="int32");
  %1 = cast(%weight, dtype="int32");
  %2 = sum(%1, axis=[1, 2, 3]);
  %3 = reshape(%2, newshape=[3, 1, 1]);
  %4 = multiply(%3, 5);
  subtract(%0, %4)
})");
}

TEST_CASE("QnnCanonicalize: both zero points give (T1 - T2) + (T4 - T3)",
          "[passes][qnn_canonicalize]") {
  PassFixture f;
  ir::Module m = f.parse(qconv("(2, 4, 2, 4), uint8", "(3, 4, 2, 2), uint8", "5", "3", kNchw22));
  ir::Module out = canonicalize(f, m);
  // T4 = 5 * 3 * (4 * 2 * 2) = 240, a constant FoldConstant leaves alone.
  f.checkEqual(out, R"(
def @main(%data: Tensor[(2, 4, 2, 4), uint8], %weight: Tensor[(3, 4, 2, 2), uint8]) {
  %0 = nn.conv2d(%data, %weight, channels=3, kernel_size=[2, 2], out_dtype="int32");
  %1 = cast(%data, dtype="int32");
  %2 = sum(%1, axis=[1], keepdims=True);
  %3 = multiply(%2, 4);
  %4 = nn.avg_pool2d(%3, pool_size=[2, 2]);
  %5 = multiply(%4, 3);
  %6 = subtract(%0, %5);
  %7 = cast(%weight, dtype="int32");
  %8 = sum(%7, axis=[1, 2, 3]);
  %9 = reshape(%8, newshape=[3, 1, 1]);
  %10 = multiply(%9, 5);
  %11 = subtract(240, %10);
  add(%6, %11)
})");
}

TEST_CASE("QnnCanonicalize: NHWC/HWIO and depthwise HWOI layouts", "[passes][qnn_canonicalize]") {
  PassFixture f;
  ir::Module m = f.parse(qconv("(2, 2, 4, 4), uint8", "(2, 2, 4, 3), uint8", "5", "3",
                               "channels=3, kernel_size=[2, 2], data_layout=\"NHWC\", "
                               "kernel_layout=\"HWIO\""));
  ir::Module out = canonicalize(f, m);
  f.checkEqual(out, R"(
def @main(%data: Tensor[(2, 2, 4, 4), uint8], %weight: Tensor[(2, 2, 4, 3), uint8]) {
  %0 = nn.conv2d(%data, %weight, channels=3, kernel_size=[2, 2], data_layout="NHWC",
                 kernel_layout="HWIO", out_dtype="int32");
  %1 = cast(%data, dtype="int32");
  %2 = sum(%1, axis=[3], keepdims=True);
  %3 = multiply(%2, 4);
  %4 = nn.avg_pool2d(%3, pool_size=[2, 2], layout="NHWC");
  %5 = multiply(%4, 3);
  %6 = subtract(%0, %5);
  %7 = cast(%weight, dtype="int32");
  %8 = sum(%7, axis=[0, 1, 2]);
  %9 = multiply(%8, 5);
  %10 = subtract(240, %9);
  add(%6, %10)
})");

  // Depthwise: no channel sum in T2, T4 = zp_a * zp_w * KH * KW = 60.
  PassFixture g;
  ir::Module dw = g.parse(qconv("(2, 2, 4, 3), uint8", "(2, 2, 3, 1), uint8", "5", "3",
                                "groups=3, channels=3, kernel_size=[2, 2], data_layout=\"NHWC\", "
                                "kernel_layout=\"HWOI\""));
  ir::Module dout = canonicalize(g, dw);
  g.checkEqual(dout, R"(
def @main(%data: Tensor[(2, 2, 4, 3), uint8], %weight: Tensor[(2, 2, 3, 1), uint8]) {
  %0 = nn.conv2d(%data, %weight, groups=3, channels=3, kernel_size=[2, 2], data_layout="NHWC",
                 kernel_layout="HWOI", out_dtype="int32");
  %1 = cast(%data, dtype="int32");
  %2 = multiply(%1, 4);
  %3 = nn.avg_pool2d(%2, pool_size=[2, 2], layout="NHWC");
  %4 = multiply(%3, 3);
  %5 = subtract(%0, %4);
  %6 = cast(%weight, dtype="int32");
  %7 = sum(%6, axis=[0, 1]);
  %8 = reshape(%7, newshape=[3]);
  %9 = multiply(%8, 5);
  %10 = subtract(60, %9);
  add(%5, %10)
})");
}

TEST_CASE("QnnCanonicalize: depthwise with a channel multiplier", "[passes][qnn_canonicalize]") {
  PassFixture f;
  // NCHW/OIHW: (8, 1, 3, 3) with groups 4 is multiplier 2; T2 repeats each channel twice.
  ir::Module m = f.parse(qconv("(2, 4, 5, 5), uint8", "(8, 1, 3, 3), uint8", "5", "3",
                               "groups=4, channels=8, kernel_size=[3, 3], padding=[1, 1]"));
  ir::Module out = canonicalize(f, m);
  CHECK(countOp(out, "repeat") == 1);
  PassFixture g;
  ir::Module h = g.parse(qconv("(1, 5, 4, 3), int8", "(3, 3, 3, 2), int8", "-7", "4",
                               "groups=3, channels=6, kernel_size=[3, 3], strides=[2, 1], "
                               "data_layout=\"NHWC\", kernel_layout=\"HWOI\""));
  ir::Module hout = canonicalize(g, h);
  CHECK(countOp(hout, "repeat") == 1);
}

TEST_CASE("QnnCanonicalize: padding is an explicit nn.pad with the input zero point",
          "[passes][qnn_canonicalize]") {
  PassFixture f;
  ir::Module m = f.parse(qconv("(1, 4, 2, 2), uint8", "(3, 4, 2, 2), uint8", "8", "5",
                               "channels=3, kernel_size=[2, 2], padding=[1, 1]"));
  ir::Module out = canonicalize(f, m);
  CHECK(countOp(out, "nn.pad") == 1);
  // The T1 convolution has no padding of its own.
  for (ir::Expr e : ir::postOrder(out.main()))
    if (ir::isOpCall(e, "nn.conv2d")) {
      const auto &a = ir::dyn<ir::CallNode>(e)->attrsAs<ir::Conv2DAttrs>();
      CHECK(ir::pad4(a.padding) == std::array<int64_t, 4>{0, 0, 0, 0});
      const auto *pad = ir::dyn<ir::CallNode>(ir::dyn<ir::CallNode>(e)->args[0]);
      REQUIRE(pad);
      CHECK(pad->op->name == "nn.pad");
      CHECK(pad->attrsAs<ir::PadAttrs>().pad_width ==
            std::vector<std::vector<int64_t>>{{0, 0}, {0, 0}, {1, 1}, {1, 1}});
    }
  for (const char *pad : {"padding=[1, 1]", "padding=[1, 1, 2, 2]", "padding=[0, 0, 2, 1]"}) {
    INFO(pad);
    PassFixture g;
    canonicalize(g, g.parse(qconv("(2, 2, 4, 4), uint8", "(2, 2, 4, 3), uint8", "8", "3",
                                  std::string("channels=3, kernel_size=[2, 2], ") + pad +
                                      ", data_layout=\"NHWC\", kernel_layout=\"HWIO\"")));
  }
}

TEST_CASE("QnnCanonicalize: dilation with a kernel zero point keeps the decomposition",
          "[passes][qnn_canonicalize]") {
  // TVM falls back to an int32 convolution here (its pool cannot dilate); the dilated
  // nn.avg_pool2d sums the dilated window, so the 8-bit T1 stays and the values are the same.
  PassFixture f;
  ir::Module m = f.parse(qconv("(2, 4, 4, 4), uint8", "(3, 4, 2, 2), uint8", "5", "3",
                               "channels=3, kernel_size=[2, 2], dilation=[2, 2]"));
  ir::Module out = canonicalize(f, m, /*trials=*/10);
  CHECK(countOp(out, "nn.avg_pool2d") == 1);
  // T1 reads the 8-bit data (no int32 copy of it): the only casts are T2's and the weight sum's.
  for (const auto &[name, fn] : out.functions())
    for (ir::Expr e : ir::postOrder(fn))
      if (ir::isOpCall(e, "nn.conv2d"))
        CHECK(static_cast<const ir::CallNode *>(e)->args[0]->type.dtype() == ir::DType::UInt8);
  // Without zero points the dilated convolution keeps the decomposition (just T1).
  PassFixture g;
  ir::Module z = g.parse(qconv("(2, 4, 4, 4), uint8", "(3, 4, 2, 2), uint8", "0", "0",
                               "channels=3, kernel_size=[2, 2], dilation=[2, 2]"));
  ir::Module zout = canonicalize(g, z);
  CHECK(countOp(zout, "nn.conv2d") == 1);
  CHECK(countOp(zout, "cast") == 0);
  // Input zero point only: T3 does not depend on the window, so no fallback either.
  PassFixture h;
  ir::Module a = h.parse(qconv("(2, 4, 5, 5), int8", "(3, 4, 2, 2), int8", "-3", "0",
                               "channels=3, kernel_size=[2, 2], dilation=[2, 1], padding=[1, 0, 2, 1]"));
  ir::Module aout = canonicalize(h, a);
  CHECK(countOp(aout, "nn.pad") == 1);
}

TEST_CASE("QnnCanonicalize: 1x1 kernels, with stride 1 and 2 (TVM #6420)",
          "[passes][qnn_canonicalize]") {
  PassFixture f;
  ir::Module m = f.parse(qconv("(2, 4, 2, 4), uint8", "(3, 4, 1, 1), uint8", "5", "3",
                               "channels=3, kernel_size=[1, 1]"));
  ir::Module out = canonicalize(f, m);
  CHECK(countOp(out, "nn.avg_pool2d") == 0); // stride 1: the channel sum is the window sum
  PassFixture g;
  ir::Module s = g.parse(qconv("(2, 4, 2, 4), uint8", "(3, 4, 1, 1), uint8", "5", "3",
                               "strides=[2, 2], channels=3, kernel_size=[1, 1]"));
  ir::Module sout = canonicalize(g, s);
  // Stride 2: a 1x1 pool samples every other position, so T2 has T1's (2, 3, 1, 2) shape.
  CHECK(countOp(sout, "nn.avg_pool2d") == 1);
  CHECK(countOp(sout, "multiply") == 2); // T2·zp_w, T3·zp_a; no window pre-multiply
  CHECK(sout.main()->body->type.str() == "Tensor[(2, 3, 1, 2), int32]");
  // The shape a stride-ignoring reshape would get wrong (§6 item 22), NHWC, odd sizes.
  PassFixture h;
  canonicalize(h, h.parse(qconv("(1, 7, 5, 6), int8", "(1, 1, 6, 5), int8", "-11", "9",
                                "strides=[2, 3], channels=5, kernel_size=[1, 1], "
                                "data_layout=\"NHWC\", kernel_layout=\"HWIO\"")));
}

TEST_CASE("QnnCanonicalize: TVM's broadcast layout case (uint8 x int8, NHWC, 7x7)",
          "[passes][qnn_canonicalize]") {
  const std::string attrs = "channels=64, kernel_size=[7, 7], padding=[1, 1], "
                            "data_layout=\"NHWC\", kernel_layout=\"HWIO\"";
  // The full TVM shape is checked for types and form; values on a smaller image (the reference
  // convolution of 229x229 would take seconds).
  PassFixture f;
  ir::Module m = f.parse(qconv("(1, 229, 229, 3), uint8", "(7, 7, 3, 64), int8", "8", "3", attrs));
  ir::Module out = f.runOk(m, {"QnnCanonicalize"}, "host");
  CHECK(countOp(out, "qnn.conv2d") == 0);
  CHECK(out.main()->body->type.str() == "Tensor[(1, 225, 225, 64), int32]");
  PassFixture g;
  canonicalize(g, g.parse(qconv("(1, 13, 11, 3), uint8", "(7, 7, 3, 64), int8", "8", "3", attrs)),
               1);
}

TEST_CASE("QnnCanonicalize: per-channel kernel scales and zero points",
          "[passes][qnn_canonicalize]") {
  for (bool nhwc : {false, true}) {
    INFO("NHWC " << nhwc);
    PassFixture f;
    ir::Module m;
    ir::Builder b(m.ctx());
    const int64_t oc = 5;
    auto data = b.var("data", ir::Type::tensor(nhwc ? ir::Shape{2, 6, 5, 3} : ir::Shape{2, 3, 6, 5},
                                               ir::DType::UInt8));
    auto weight = b.var("weight", ir::Type::tensor(nhwc ? ir::Shape{3, 2, 3, oc}
                                                        : ir::Shape{oc, 3, 3, 2},
                                                   ir::DType::Int8));
    ir::Tensor zp = ir::Tensor::zeros({oc}, ir::DType::Int32);
    ir::Tensor scale = ir::Tensor::zeros({oc}, ir::DType::Float32);
    for (int64_t o = 0; o < oc; ++o) {
      zp.setInt(o, o == 2 ? 0 : (o == 4 ? 127 : -128 + 37 * o));
      scale.setFloat(o, 0.01 * (o + 1));
    }
    auto call = b.call<ir::Conv2DAttrs>(
        "qnn.conv2d", {data, weight, b.scalarInt(200), b.constant(zp), b.scalarFloat(0.1f),
                       b.constant(scale)},
        [&](ir::Conv2DAttrs &a) {
          a.padding = {2, 0, 1, 1};
          a.strides = {2, 1};
          a.data_layout = nhwc ? "NHWC" : "NCHW";
          a.kernel_layout = nhwc ? "HWIO" : "OIHW";
          a.out_dtype = "int32";
        });
    m.setFunction("main", b.function({data, weight}, call));
    REQUIRE(ir::inferTypes(m, f.diag));
    canonicalize(f, m, 4);
  }
}

TEST_CASE("QnnCanonicalize: non-constant zero points and other output dtypes",
          "[passes][qnn_canonicalize]") {
  // Zero points given as parameters: T4 becomes an expression; padding needs the fallback.
  PassFixture f;
  ir::Module m = f.parse(R"(
def @main(%data: Tensor[(1, 3, 4, 4), int8], %weight: Tensor[(2, 3, 2, 2), int8],
          %za: int32, %zw: int32) {
  %0 = qnn.conv2d(%data, %weight, %za, %zw, 0.5f, 0.5f, channels=2, kernel_size=[2, 2],
                  strides=[2, 1]);
  %1 = qnn.conv2d(%data, %weight, %za, %zw, 0.5f, 0.5f, channels=2, kernel_size=[2, 2],
                  padding=[1, 0, 0, 1]);
  (%0, %1)
})");
  canonicalize(f, m, 4);
  for (const char *out : {"int16", "int64"}) {
    INFO(out);
    PassFixture g;
    canonicalize(g, g.parse(R"(
def @main(%data: Tensor[(1, 2, 5, 5), uint8], %weight: Tensor[(3, 2, 3, 3), uint8]) {
  qnn.conv2d(%data, %weight, 255, 255, 0.5f, 0.5f, kernel_size=[3, 3], padding=[1, 1], out_dtype=")" +
                            std::string(out) + R"(")
})"));
  }
  // int16 operands (TVM #16535): the decomposition works for any dtype; T2 pools in int64
  // once int32 could overflow (32768 * 1000 channels * 9 * 9 > 2^31).
  PassFixture h;
  ir::Module w = h.parse(R"(
def @main(%data: Tensor[(1, 1000, 3, 3), int16], %weight: Tensor[(2, 1000, 3, 3), int16]) {
  qnn.conv2d(%data, %weight, -32768, 32767, 0.5f, 0.5f, kernel_size=[3, 3])
})");
  ir::Module wout = canonicalize(h, w, 2);
  bool int64Pool = false;
  for (ir::Expr e : ir::postOrder(wout.main()))
    if (ir::isOpCall(e, "nn.avg_pool2d")) int64Pool = e->type.dtype() == ir::DType::Int64;
  CHECK(int64Pool);
}

TEST_CASE("QnnCanonicalize: TVM's golden qnn.conv2d values through the canonical form",
          "[passes][qnn_canonicalize]") {
  auto run = [](const std::string &text, const std::map<std::string, ir::Tensor> &in) {
    PassFixture f;
    ir::Module out = f.runOk(f.parse(text), {"QnnCanonicalize"}, "host");
    CHECK(countOp(out, "qnn.conv2d") == 0);
    std::string err;
    auto v = mt::evalOutputs(out, in, &err);
    INFO(err);
    REQUIRE(v);
    REQUIRE(v->size() == 1);
    return (*v)[0];
  };
  auto fill = [](ir::Shape s, ir::DType dt, const std::vector<int64_t> &vals) {
    ir::Tensor t = ir::Tensor::zeros(std::move(s), dt);
    for (int64_t i = 0; i < t.numElements(); ++i)
      t.setInt(i, vals.size() == 1 ? vals[0] : vals[static_cast<size_t>(i)]);
    return t;
  };

  SECTION("test_tflite_large_irregular") {
    ir::Tensor r = run(qconv("(1, 1024, 1, 1), uint8", "(1001, 1024, 1, 1), uint8", "127", "127",
                             "channels=1001, kernel_size=[1, 1]"),
                       {{"data", fill({1, 1024, 1, 1}, ir::DType::UInt8, {127})},
                        {"weight", fill({1001, 1024, 1, 1}, ir::DType::UInt8, {127})}});
    REQUIRE(r.shape() == ir::Shape{1, 1001, 1, 1});
    for (int64_t i = 0; i < r.numElements(); ++i) REQUIRE(r.intAt(i) == 0);
  }
  SECTION("test_tflite_output_multiplier_greater_than_one") {
    std::vector<int64_t> d{1, 1, 1, 1, 2, 2, 2, 2, 1, 2, 3, 4, 1, 2, 3, 4};
    std::vector<int64_t> k{1, 2, 3, 4, -1, 1, -1, 1, -1, -1, 1, 1};
    for (auto &v : d) v += 128;
    for (auto &v : k) v += 128;
    ir::Tensor r = run(qconv("(2, 1, 2, 4), uint8", "(3, 1, 2, 2), uint8", "128", "128",
                             "strides=[2, 2], channels=3, kernel_size=[2, 2]"),
                       {{"data", fill({2, 1, 2, 4}, ir::DType::UInt8, d)},
                        {"weight", fill({3, 1, 2, 2}, ir::DType::UInt8, k)}});
    REQUIRE(r.shape() == ir::Shape{2, 3, 1, 2});
    const std::vector<int64_t> want{17, 17, 0, 0, 2, 2, 16, 36, 2, 2, 0, 0};
    for (int64_t i = 0; i < r.numElements(); ++i) CHECK(r.intAt(i) == want[static_cast<size_t>(i)]);
  }
  SECTION("test_tflite_anistropic_strides") {
    ir::Tensor r =
        run(qconv("(1, 1, 3, 6), uint8", "(1, 1, 2, 2), uint8", "127", "127",
                  "strides=[1, 3], channels=1, kernel_size=[2, 2]"),
            {{"data", fill({1, 1, 3, 6}, ir::DType::UInt8,
                           {133, 131, 129, 125, 123, 121, 135, 133, 131, 123, 121, 119, 137, 135,
                            133, 121, 119, 117})},
             {"weight", fill({1, 1, 2, 2}, ir::DType::UInt8, {129, 131, 133, 135})}});
    REQUIRE(r.shape() == ir::Shape{1, 1, 2, 2});
    const std::vector<int64_t> want{124, -92, 164, -132};
    for (int64_t i = 0; i < r.numElements(); ++i) CHECK(r.intAt(i) == want[static_cast<size_t>(i)]);
  }
}
