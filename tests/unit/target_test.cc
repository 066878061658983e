// mtc — tests of target-string parsing and of the convolution implementation choice.
// SPDX-License-Identifier: Apache-2.0
#include "passes/strategy.h"
#include "passes/target.h"

#include <catch2/catch.hpp>

using mtc::ir::Conv2DAttrs;
using mtc::ir::DType;
using mtc::passes::ConvImpl;
using mtc::passes::selectConvImpl;
using mtc::passes::Target;

namespace {

Target parseOk(const std::string &s) {
  std::string err;
  std::optional<Target> t = Target::parse(s, &err);
  INFO("target '" << s << "': " << err);
  REQUIRE(t);
  return *t;
}

std::string parseErr(const std::string &s) {
  std::string err;
  std::optional<Target> t = Target::parse(s, &err);
  INFO("target '" << s << "'");
  REQUIRE_FALSE(t);
  return err;
}

Conv2DAttrs nhwcAttrs() {
  Conv2DAttrs a;
  a.data_layout = "NHWC";
  a.kernel_layout = "HWIO";
  return a;
}

} // namespace

TEST_CASE("target: aliases and canonical strings", "[target]") {
  Target host = parseOk("host");
  CHECK_FALSE(host.isAArch64());
  CHECK(host.str() == "llvm");
  CHECK(host.qemuCpu().empty());
  CHECK(host.llvmFeatures().empty());
  CHECK_FALSE(parseOk("llvm").isAArch64());

  Target a = parseOk("aarch64");
  CHECK(a.isAArch64());
  CHECK(a.triple == "aarch64-linux-gnu");
  CHECK(a.neon);
  CHECK_FALSE(a.dotprod);
  CHECK_FALSE(a.i8mm);
  CHECK(a.str() == "llvm -mtriple=aarch64-linux-gnu");
  CHECK(a.qemuCpu() == "cortex-a53");
  CHECK(a.llvmFeatures() == "+neon,-dotprod,-i8mm");

  Target d = parseOk("aarch64+dotprod");
  CHECK(d.dotprod);
  CHECK_FALSE(d.i8mm);
  CHECK(d.str() == "llvm -mtriple=aarch64-linux-gnu -mattr=+v8.2a,+dotprod");
  CHECK(d.qemuCpu() == "cortex-a76");
  CHECK(d.llvmFeatures() == "+v8.2a,+neon,+dotprod,-i8mm");

  Target m = parseOk("aarch64+i8mm");
  CHECK(m.dotprod); // v8.6a implies dotprod
  CHECK(m.i8mm);
  CHECK(m.str() == "llvm -mtriple=aarch64-linux-gnu -mattr=+v8.6a,+i8mm");
  CHECK(m.qemuCpu() == "max");

  // The canonical string parses back to the same target.
  for (const char *s : {"aarch64", "aarch64+dotprod", "aarch64+i8mm",
                        "llvm -mtriple=aarch64-linux-gnu -mcpu=cortex-a55"}) {
    Target t = parseOk(s);
    Target u = parseOk(t.str());
    CHECK(u.str() == t.str());
    CHECK(u.dotprod == t.dotprod);
    CHECK(u.i8mm == t.i8mm);
  }
}

TEST_CASE("target: TVM-style strings and feature implications", "[target]") {
  struct Row {
    const char *s;
    bool dotprod, i8mm;
  };
  const Row rows[] = {
      {"llvm -mtriple=aarch64-linux-gnu", false, false},
      {"llvm -device=arm_cpu -mtriple=aarch64-linux-gnu", false, false},
      {"llvm -mtriple=aarch64-linux-gnu -mattr=+neon", false, false},
      {"llvm -mtriple=aarch64-linux-gnu -mattr=+v8.2a", false, false},
      {"llvm -mtriple=aarch64-linux-gnu -mattr=+v8.2a,+dotprod", true, false},
      {"llvm -mtriple=aarch64-linux-gnu -mattr=+v8.3a,+dotprod", true, false},
      {"llvm -mtriple=aarch64-linux-gnu -mattr=+v8.4a", true, false},
      {"llvm -mtriple=aarch64-linux-gnu -mattr=+v8.5a", true, false},
      {"llvm -mtriple=aarch64-linux-gnu -mattr=+v8.2a,+i8mm", false, true},
      {"llvm -mtriple=aarch64-linux-gnu -mattr=+v8.2a,+dotprod,+i8mm", true, true},
      {"llvm -mtriple=aarch64-linux-gnu -mattr=+v8.6a", true, true},
      {"llvm -mtriple=aarch64-linux-gnu -mattr=+v9a", true, false},
      {"llvm -mtriple=aarch64-linux-gnu -mattr=+v9.1a", true, true},
      // A bare +dotprod / +i8mm raises the version to v8.2a (documented difference from TVM).
      {"llvm -mtriple=aarch64-linux-gnu -mattr=+dotprod", true, false},
      {"llvm -mtriple=aarch64-linux-gnu -mattr=+dotprod,+i8mm", true, true},
      // Removing features after the implications.
      {"llvm -mtriple=aarch64-linux-gnu -mattr=+v8.6a,-i8mm", true, false},
      {"llvm -mtriple=aarch64-linux-gnu -mattr=+v8.4a,-dotprod", false, false},
      // Cores imply their features; -mattr adds to them.
      {"llvm -mtriple=aarch64-linux-gnu -mcpu=cortex-a53", false, false},
      {"llvm -mtriple=aarch64-linux-gnu -mcpu=cortex-a72", false, false},
      {"llvm -mtriple=aarch64-linux-gnu -mcpu=cortex-a55", true, false},
      {"llvm -mtriple=aarch64-linux-gnu -mcpu=cortex-a76", true, false},
      {"llvm -mtriple=aarch64-linux-gnu -mcpu=neoverse-n1", true, false},
      {"llvm -mtriple=aarch64-linux-gnu -mcpu=neoverse-n2", true, true},
      {"llvm -mtriple=aarch64-linux-gnu -mcpu=neoverse-v1", true, true},
      {"llvm -mtriple=aarch64-linux-gnu -mcpu=generic", false, false},
      {"llvm -mtriple=aarch64-linux-gnu -mcpu=cortex-a55 -mattr=+i8mm", true, true},
      {"aarch64 -mcpu=cortex-a76", true, false},
      {"llvm -mtriple aarch64-none-linux-gnu --mattr=+v8.2a,+dotprod", true, false},
  };
  for (const Row &r : rows) {
    Target t = parseOk(r.s);
    INFO(r.s);
    CHECK(t.isAArch64());
    CHECK(t.neon);
    CHECK(t.dotprod == r.dotprod);
    CHECK(t.i8mm == r.i8mm);
  }
  Target noNeon = parseOk("llvm -mtriple=aarch64-linux-gnu -mattr=-neon");
  CHECK_FALSE(noNeon.neon);
  CHECK(noNeon.llvmFeatures() == "-neon,-dotprod,-i8mm");
  CHECK(parseOk("llvm -mtriple=aarch64-linux-gnu -mcpu=neoverse-n1").qemuCpu() == "cortex-a76");
  CHECK(parseOk("llvm -mtriple=aarch64-linux-gnu -mcpu=neoverse-n1").llvmFeatures() ==
        "+neon,+dotprod,-i8mm");
  CHECK(parseOk("llvm -mtriple=aarch64-linux-gnu -mattr=+v8.6a,+crc").llvmFeatures() ==
        "+v8.6a,+crc,+neon,+dotprod,+i8mm");
}

TEST_CASE("target: errors name the part at fault", "[target]") {
  CHECK(parseErr("").find("empty target") != std::string::npos);
  CHECK(parseErr("x86").find("unknown target 'x86'") != std::string::npos);
  CHECK(parseErr("cuda -arch=sm_80").find("unknown target 'cuda'") != std::string::npos);
  CHECK(parseErr("llvm -mtriple=armv8l-linux-gnueabihf")
            .find("unknown target triple 'armv8l-linux-gnueabihf'") != std::string::npos);
  CHECK(parseErr("llvm -mtriple=aarch64-linux-gnu -mattr=+foo").find("unknown feature '+foo'") !=
        std::string::npos);
  CHECK(parseErr("aarch64 -mattr=sve").find("'sve' must start with '+' or '-'") !=
        std::string::npos);
  CHECK(parseErr("llvm -mtriple=aarch64-linux-gnu -mcpu=cortex-a99")
            .find("unknown cpu 'cortex-a99'") != std::string::npos);
  CHECK(parseErr("llvm -mtriple=aarch64-linux-gnu -mattr=+v8.1a,+dotprod")
            .find("'+dotprod' needs Armv8.2-A") != std::string::npos);
  CHECK(parseErr("llvm -mtriple=aarch64-linux-gnu -mattr=-v8.2a").find("'-v8.2a'") !=
        std::string::npos);
  CHECK(parseErr("llvm -opt-level=3").find("unknown target option '-opt-level=3'") !=
        std::string::npos);
  CHECK(parseErr("llvm -mtriple").find("'-mtriple' needs a value") != std::string::npos);
  CHECK(parseErr("llvm aarch64").find("unexpected word 'aarch64'") != std::string::npos);
  CHECK(parseErr("llvm -mattr=+dotprod").find("needs an AArch64 target") != std::string::npos);
  CHECK(parseErr("llvm -mcpu=cortex-a76").find("-mcpu=cortex-a76 needs an AArch64 target") !=
        std::string::npos);
}

TEST_CASE("strategy: implementation per target (TVM test_int8_conv2d)", "[target][strategy]") {
  // data (1,1,1,4) int8, weight (1,1,4,4) int8, NHWC/HWIO, 1x1, out int8.
  Conv2DAttrs a = nhwcAttrs();
  a.kernel_size = {1, 1};
  a.channels = 4;
  a.out_dtype = "int8";
  struct Row {
    const char *target;
    ConvImpl::Kind kind;
    const char *name;
  };
  const Row rows[] = {
      {"llvm -mtriple=aarch64-linux-gnu -mattr=+neon", ConvImpl::Kind::GemmNeon,
       "gemm_neon_4x4x16"},
      {"aarch64", ConvImpl::Kind::GemmNeon, "gemm_neon_4x4x16"},
      {"llvm -mtriple=aarch64-linux-gnu -mattr=+v8.2a,+dotprod", ConvImpl::Kind::GemmDotprod,
       "gemm_dotprod_8x12x4"},
      {"llvm -mtriple=aarch64-linux-gnu -mattr=+v8.2a,+i8mm", ConvImpl::Kind::GemmI8mm,
       "gemm_i8mm_8x12x8"},
      {"llvm -mtriple=aarch64-linux-gnu -mattr=+v8.2a,+dotprod,+i8mm", ConvImpl::Kind::GemmI8mm,
       "gemm_i8mm_8x12x8"},
      {"llvm -mtriple=aarch64-linux-gnu -mattr=+dotprod,+i8mm", ConvImpl::Kind::GemmI8mm,
       "gemm_i8mm_8x12x8"},
      {"llvm -mtriple=aarch64-linux-gnu -mattr=+v9a", ConvImpl::Kind::GemmDotprod,
       "gemm_dotprod_8x12x4"},
      {"host", ConvImpl::Kind::Generic, "generic"},
      {"llvm -mtriple=aarch64-linux-gnu -mattr=-neon", ConvImpl::Kind::Generic, "generic"},
  };
  for (const Row &r : rows) {
    INFO(r.target);
    ConvImpl impl = selectConvImpl(parseOk(r.target), a, DType::Int8, DType::Int8);
    CHECK(impl.kind == r.kind);
    CHECK(impl.name() == r.name);
    CHECK(impl.isGemm() == (r.kind != ConvImpl::Kind::Generic));
  }
}

TEST_CASE("strategy: tiles and the conditions of the GEMM path", "[target][strategy]") {
  Target neon = parseOk("aarch64"), dot = parseOk("aarch64+dotprod"), mm = parseOk("aarch64+i8mm");
  Conv2DAttrs a = nhwcAttrs();
  ConvImpl n = selectConvImpl(neon, a, DType::UInt8, DType::UInt8);
  CHECK((n.tiles.tileM == 4 && n.tiles.tileN == 4 && n.tiles.tileK == 16));
  ConvImpl d = selectConvImpl(dot, a, DType::Int8, DType::Int8);
  CHECK((d.tiles.tileM == 8 && d.tiles.tileN == 12 && d.tiles.tileK == 4));
  ConvImpl m = selectConvImpl(mm, a, DType::UInt8, DType::UInt8);
  CHECK((m.tiles.tileM == 8 && m.tiles.tileN == 12 && m.tiles.tileK == 8));
  // Mixed signedness still selects the GEMM (QnnLegalize equalises the dtypes for it).
  CHECK(selectConvImpl(dot, a, DType::UInt8, DType::Int8).kind == ConvImpl::Kind::GemmDotprod);

  auto generic = [&](Conv2DAttrs attrs, DType data, DType kernel) {
    return selectConvImpl(mm, attrs, data, kernel).kind == ConvImpl::Kind::Generic;
  };
  Conv2DAttrs nchw = a;
  nchw.data_layout = "NCHW";
  nchw.kernel_layout = "OIHW";
  CHECK(generic(nchw, DType::Int8, DType::Int8));
  Conv2DAttrs ohwi = a;
  ohwi.kernel_layout = "OHWI";
  CHECK(generic(ohwi, DType::Int8, DType::Int8));
  Conv2DAttrs grouped = a;
  grouped.groups = 2;
  CHECK(generic(grouped, DType::Int8, DType::Int8));
  CHECK(generic(a, DType::Int16, DType::Int8));
  CHECK(generic(a, DType::Int8, DType::Int32));
  CHECK(generic(a, DType::Float32, DType::Float32));
  Conv2DAttrs wide = a;
  wide.out_dtype = "int64";
  CHECK(generic(wide, DType::Int8, DType::Int8));
  Conv2DAttrs narrow = a;
  narrow.out_dtype = "int32";
  CHECK_FALSE(generic(narrow, DType::Int8, DType::Int8));
}
