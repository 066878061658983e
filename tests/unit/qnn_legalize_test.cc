// mtc — QnnLegalize and Legalize tests: TVM's test_qnn_legalize_qnn_conv2d (tvm_conv2d_gemm.md
// §5) per target, the NHWC GEMM cases of our design, and the agreement between the legalization
// and the implementation AlterOpLayout chooses.
// SPDX-License-Identifier: Apache-2.0
#include "pass_test_util.h"
#include "random_graphs.h"

#include "ir/ops/attrs.h"
#include "passes/strategy.h"

#include <random>

using mtc::testutil::countOp;
using mtc::testutil::PassFixture;
namespace ir = mtc::ir;
namespace mt = mtc::testing;

namespace {

void checkSameValues(const ir::Module &before, const ir::Module &after, int trials = 3) {
  std::mt19937_64 rng(11);
  for (int i = 0; i < trials; ++i) {
    auto in = mt::randomInputs(before, rng);
    std::string err;
    auto a = mt::evalOutputs(before, in, &err);
    INFO(err);
    REQUIRE(a);
    auto b = mt::evalOutputs(after, in, &err);
    INFO(err);
    REQUIRE(b);
    INFO("legalized:\n" << ir::printModule(after));
    CHECK(mt::firstDifference(*a, *b) == "");
  }
}

std::string qconv(const std::string &data, const std::string &weight, const std::string &zpA,
                  const std::string &zpW, const std::string &attrs) {
  return "def @main(%data: Tensor[" + data + "], %weight: Tensor[" + weight + "]) {\n" +
         "  qnn.conv2d(%data, %weight, " + zpA + ", " + zpW + ", 1.0f, 1.0f, " + attrs +
         ", out_dtype=\"int32\")\n}\n";
}

// TVM's test_qnn_legalize_qnn_conv2d graph: (1, 64, 256, 256) x (128, 64, 3, 3), NCHW/OIHW.
std::string tvmCase(const char *dt, const char *kt) {
  return qconv(std::string("(1, 64, 256, 256), ") + dt, std::string("(128, 64, 3, 3), ") + kt,
               "1", "1", "channels=128, kernel_size=[3, 3]");
}

const char *kDotprod = "llvm -mtriple=aarch64-linux-gnu -mattr=+v8.2a,+dotprod";

} // namespace

TEST_CASE("QnnLegalize: TVM test_qnn_legalize_qnn_conv2d, NCHW", "[passes][qnn_legalize]") {
  SECTION("same dtypes: unchanged on dotprod, int16 nn.conv2d on plain aarch64") {
    for (const char *dt : {"uint8", "int8"}) {
      INFO(dt);
      PassFixture f;
      ir::Module m = f.parse(tvmCase(dt, dt));
      mtc::passes::PipelineLog log;
      ir::Module dot = f.runOk(m, {"QnnLegalize"}, kDotprod, &log);
      std::string why;
      CHECK(ir::structurallyEqual(dot, m, &why));
      CHECK(log.allReports() == std::vector<std::string>{"QnnLegalize: 0 changes"});
      ir::Module plain = f.runOk(m, {"QnnLegalize"}, "llvm -mtriple=aarch64-linux-gnu");
      CHECK(countOp(plain, "cast") > 0);
      CHECK(countOp(plain, "qnn.conv2d") == 0);
      CHECK(countOp(plain, "nn.conv2d") == 1);
      ir::Module host = f.runOk(m, {"QnnLegalize"}, "host");
      CHECK(ir::structurallyEqual(host, m, &why));
    }
  }
  SECTION("uint8 x int8: shift + qnn.conv2d on dotprod, no qnn on plain aarch64") {
    PassFixture f;
    ir::Module m = f.parse(tvmCase("uint8", "int8"));
    ir::Module dot = f.runOk(m, {"QnnLegalize"}, kDotprod);
    CHECK(countOp(dot, "cast") > 0);
    CHECK(countOp(dot, "qnn.conv2d") == 1);
    ir::Module plain = f.runOk(m, {"QnnLegalize"}, "aarch64");
    CHECK(countOp(plain, "qnn.conv2d") == 0);
    ir::Module host = f.runOk(m, {"QnnLegalize"}, "host");
    std::string why;
    CHECK(ir::structurallyEqual(host, m, &why));
  }
}

TEST_CASE("QnnLegalize: the int16 path is exact", "[passes][qnn_legalize]") {
  PassFixture f;
  ir::Module m = f.parse(qconv("(1, 3, 6, 5), uint8", "(4, 3, 3, 3), int8", "200", "-7",
                               "channels=4, kernel_size=[3, 3], padding=[1, 0, 2, 1], strides=[2, 1]"));
  mtc::passes::PipelineLog log;
  ir::Module out = f.runOk(m, {"QnnLegalize"}, "aarch64", &log);
  f.checkEqual(out, R"(
def @main(%data: Tensor[(1, 3, 6, 5), uint8], %weight: Tensor[(4, 3, 3, 3), int8]) {
  %0 = cast(%data, dtype="int16");
  %1 = subtract(%0, 200i16);
  %2 = cast(%weight, dtype="int16");
  %3 = subtract(%2, -7i16);
  nn.conv2d(%1, %3, strides=[2, 1], padding=[1, 0, 2, 1], channels=4, kernel_size=[3, 3],
            out_dtype="int32")
})");
  CHECK(log.allReports() ==
        std::vector<std::string>{"QnnLegalize: 1 qnn.conv2d legalized (1 int16 nn.conv2d)"});
  checkSameValues(m, out);
}

TEST_CASE("QnnLegalize: NHWC GEMM convolutions get the kernel's signedness",
          "[passes][qnn_legalize]") {
  const std::string attrs = "channels=4, kernel_size=[3, 3], padding=[1, 1], "
                            "data_layout=\"NHWC\", kernel_layout=\"HWIO\"";
  SECTION("uint8 data, int8 kernel: data - 128, zero point - 128") {
    for (const char *target : {"aarch64", "aarch64+dotprod", "aarch64+i8mm"}) {
      INFO(target);
      PassFixture f;
      ir::Module m = f.parse(qconv("(1, 5, 5, 3), uint8", "(3, 3, 3, 4), int8", "1", "1", attrs));
      mtc::passes::PipelineLog log;
      ir::Module out = f.runOk(m, {"QnnLegalize"}, target, &log);
      f.checkEqual(out, R"(
def @main(%data: Tensor[(1, 5, 5, 3), uint8], %weight: Tensor[(3, 3, 3, 4), int8]) {
  %0 = cast(%data, dtype="int32");
  %1 = add(%0, -128);
  %2 = cast(%1, dtype="int8");
  qnn.conv2d(%2, %weight, -127, 1, 1.0f, 1.0f, channels=4, kernel_size=[3, 3], padding=[1, 1],
             data_layout="NHWC", kernel_layout="HWIO", out_dtype="int32")
})");
      CHECK(log.allReports() ==
            std::vector<std::string>{"QnnLegalize: 1 qnn.conv2d legalized (1 uint8->int8 shift)"});
      checkSameValues(m, out);
    }
  }
  SECTION("int8 data, uint8 kernel: data + 128") {
    PassFixture f;
    ir::Module m = f.parse(qconv("(2, 4, 3, 3), int8", "(3, 3, 3, 4), uint8", "-128", "255", attrs));
    ir::Module out = f.runOk(m, {"QnnLegalize"}, "aarch64");
    CHECK(countOp(out, "qnn.conv2d") == 1);
    for (ir::Expr e : ir::postOrder(out.main()))
      if (ir::isOpCall(e, "qnn.conv2d")) {
        const auto *c = ir::dyn<ir::CallNode>(e);
        CHECK(c->args[0]->type.dtype() == ir::DType::UInt8);
        CHECK(ir::dyn<ir::ConstantNode>(c->args[2])->value.intAt(0) == 0);
      }
    checkSameValues(m, out);
  }
  SECTION("same signedness is left alone") {
    PassFixture f;
    ir::Module m = f.parse(qconv("(1, 5, 5, 3), int8", "(3, 3, 3, 4), int8", "3", "1", attrs));
    ir::Module out = f.runOk(m, {"QnnLegalize"}, "aarch64");
    std::string why;
    CHECK(ir::structurallyEqual(out, m, &why));
  }
  SECTION("a non-constant zero point shifts as an expression") {
    PassFixture f;
    ir::Module m = f.parse(R"(
def @main(%data: Tensor[(1, 5, 5, 3), uint8], %weight: Tensor[(3, 3, 3, 4), int8], %za: int32) {
  qnn.conv2d(%data, %weight, %za, 1, 1.0f, 1.0f, channels=4, kernel_size=[3, 3],
             data_layout="NHWC", kernel_layout="HWIO", out_dtype="int32")
})");
    ir::Module out = f.runOk(m, {"QnnLegalize"}, "aarch64");
    CHECK(countOp(out, "qnn.conv2d") == 1);
    CHECK(countOp(out, "add") == 2);
    checkSameValues(m, out, 4);
  }
}

TEST_CASE("QnnLegalize: depthwise, grouped, dilated and int16 convolutions",
          "[passes][qnn_legalize]") {
  SECTION("depthwise NHWC is not a GEMM: int16 on plain aarch64, shift on dotprod") {
    PassFixture f;
    ir::Module m = f.parse(qconv("(1, 6, 6, 4), uint8", "(3, 3, 4, 2), int8", "128", "-3",
                                 "groups=4, channels=8, kernel_size=[3, 3], padding=[1, 1], "
                                 "data_layout=\"NHWC\", kernel_layout=\"HWOI\""));
    ir::Module plain = f.runOk(m, {"QnnLegalize"}, "aarch64");
    CHECK(countOp(plain, "qnn.conv2d") == 0);
    checkSameValues(m, plain);
    ir::Module dot = f.runOk(m, {"QnnLegalize"}, "aarch64+dotprod");
    CHECK(countOp(dot, "qnn.conv2d") == 1);
    checkSameValues(m, dot);
  }
  SECTION("grouped convolution keeps its groups (TVM #16532)") {
    PassFixture f;
    ir::Module m = f.parse(qconv("(1, 5, 5, 4), uint8", "(3, 3, 2, 6), int8", "3", "2",
                                 "groups=2, channels=6, kernel_size=[3, 3], "
                                 "data_layout=\"NHWC\", kernel_layout=\"HWIO\""));
    for (const char *t : {"aarch64", "aarch64+dotprod", "host"}) {
      INFO(t);
      ir::Module out = f.runOk(m, {"QnnLegalize", "QnnCanonicalize"}, t);
      checkSameValues(m, out);
    }
  }
  SECTION("dilation with a kernel zero point stays a GEMM (the dilated pool sums T2)") {
    PassFixture f;
    ir::Module m = f.parse(qconv("(1, 7, 7, 3), uint8", "(3, 3, 3, 4), int8", "3", "2",
                                 "dilation=[2, 2], channels=4, kernel_size=[3, 3], "
                                 "data_layout=\"NHWC\", kernel_layout=\"HWIO\""));
    ir::Module plain = f.runOk(m, {"QnnLegalize"}, "aarch64");
    CHECK(countOp(plain, "qnn.conv2d") == 1); // one signedness for the GEMM, not the int16 path
    checkSameValues(m, plain);
  }
  SECTION("int16 operands are left to QnnCanonicalize (TVM #16535)") {
    PassFixture f;
    ir::Module m = f.parse(qconv("(1, 5, 5, 3), int16", "(3, 3, 3, 4), int8", "3", "2",
                                 "channels=4, kernel_size=[3, 3], data_layout=\"NHWC\", "
                                 "kernel_layout=\"HWIO\""));
    for (const char *t : {"aarch64", "aarch64+dotprod", "aarch64+i8mm"}) {
      ir::Module out = f.runOk(m, {"QnnLegalize"}, t);
      std::string why;
      CHECK(ir::structurallyEqual(out, m, &why));
      ir::Module c = f.runOk(m, {"QnnLegalize", "QnnCanonicalize"}, t);
      checkSameValues(m, c, 2);
    }
  }
}

TEST_CASE("QnnLegalize: the legalized convolution gets the implementation it was prepared for",
          "[passes][qnn_legalize]") {
  // After QnnLegalize + QnnCanonicalize, every nn.conv2d that selectConvImpl gives a GEMM has
  // operands of one signedness, so AlterOpLayout's GEMM rewrite applies to it unchanged.
  std::mt19937_64 rng(5);
  int gemms = 0;
  for (uint64_t seed = 0; seed < 60; ++seed) {
    mt::RandomGraphOptions o;
    o.allowWeightParams = false;
    mt::RandomCase rc = mt::makeRandomQnnGraph(seed * 7919 + 3, o);
    for (const char *t : {"aarch64", "aarch64+dotprod", "aarch64+i8mm"}) {
      PassFixture f;
      ir::Module out = f.runOk(rc.module, {"QnnLegalize", "QnnCanonicalize"}, t);
      mtc::passes::Target target = PassFixture::target(t);
      for (ir::Expr e : ir::postOrder(out.main())) {
        if (!ir::isOpCall(e, "nn.conv2d")) continue;
        const auto *c = ir::dyn<ir::CallNode>(e);
        const ir::DType d = c->args[0]->type.dtype(), k = c->args[1]->type.dtype();
        if (!mtc::passes::selectConvImpl(target, c->attrsAs<ir::Conv2DAttrs>(), d, k).isGemm())
          continue;
        ++gemms;
        INFO(rc.summary << "\n" << ir::printModule(out));
        CHECK(d == k);
      }
    }
  }
  CHECK(gemms > 20);
}

TEST_CASE("Legalize: mixed-signedness nn.conv2d for a GEMM is shifted with compensation",
          "[passes][legalize]") {
  for (const char *pad : {"padding=[0, 0]", "padding=[1, 2, 0, 1]"}) {
    INFO(pad);
    PassFixture f;
    ir::Module m = f.parse(std::string(R"(
def @main(%data: Tensor[(2, 5, 6, 3), uint8], %weight: Tensor[(3, 2, 3, 4), int8]) {
  nn.conv2d(%data, %weight, strides=[1, 2], )") + pad + R"(, data_layout="NHWC",
            kernel_layout="HWIO", out_dtype="int32")
})");
    mtc::passes::PipelineLog log;
    ir::Module out = f.runOk(m, {"Legalize"}, "aarch64", &log);
    CHECK(log.allReports() == std::vector<std::string>{
                                  "Legalize: 1 nn.conv2d shifted to the kernel's signedness "
                                  "(with compensation)"});
    for (ir::Expr e : ir::postOrder(out.main()))
      if (ir::isOpCall(e, "nn.conv2d")) {
        const auto *c = ir::dyn<ir::CallNode>(e);
        CHECK(c->args[0]->type.dtype() == ir::DType::Int8);
      }
    checkSameValues(m, out);
    // The host codegen takes mixed operands: nothing to do there.
    mtc::passes::PipelineLog hostLog;
    ir::Module host = f.runOk(m, {"Legalize"}, "host", &hostLog);
    CHECK(hostLog.allReports() == std::vector<std::string>{"Legalize: 0 changes"});
  }
  // An 8-bit output wraps identically in the shifted form.
  PassFixture g;
  ir::Module m8 = g.parse(R"(
def @main(%data: Tensor[(1, 4, 4, 3), int8], %weight: Tensor[(2, 2, 3, 5), uint8]) {
  nn.conv2d(%data, %weight, padding=[1, 1], data_layout="NHWC", kernel_layout="HWIO",
            out_dtype="uint8")
})");
  checkSameValues(m8, g.runOk(m8, {"Legalize"}, "aarch64+dotprod"));
}

TEST_CASE("QnnLegalize: qnn.dense follows TVM's Arm rules", "[passes][qnn_legalize]") {
  PassFixture f;
  ir::Module m = f.parse(R"(
def @main(%a: Tensor[(3, 7), uint8], %w: Tensor[(5, 7), int8]) {
  qnn.dense(%a, %w, 131, -3, 0.5f, 0.25f, units=5)
})");
  mtc::passes::PipelineLog log;
  ir::Module plain = f.runOk(m, {"QnnLegalize"}, "aarch64", &log);
  CHECK(countOp(plain, "qnn.dense") == 0);
  CHECK(countOp(plain, "nn.dense") == 1);
  CHECK(log.allReports() ==
        std::vector<std::string>{"QnnLegalize: 1 qnn.dense legalized (1 int16 nn.dense)"});
  checkSameValues(m, plain);
  ir::Module dot = f.runOk(m, {"QnnLegalize"}, "aarch64+dotprod");
  CHECK(countOp(dot, "qnn.dense") == 1);
  CHECK(countOp(dot, "cast") == 2);
  checkSameValues(m, dot);
  ir::Module host = f.runOk(m, {"QnnLegalize"}, "host");
  std::string why;
  CHECK(ir::structurallyEqual(host, m, &why));
}
