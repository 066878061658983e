// mtc — convolution implementation choice (the one table QnnLegalize and AlterOpLayout share).
// SPDX-License-Identifier: Apache-2.0
#include "passes/strategy.h"

namespace mtc::passes {
namespace {

bool is8Bit(ir::DType t) { return t == ir::DType::Int8 || t == ir::DType::UInt8; }

// The GEMM kernels accumulate in int32 and the output stage casts to out_dtype. Wrapping to a
// narrower integer is exact (truncation commutes with the modular sum), but an int64 or float
// result would differ from the reference once the int32 sum overflows, so those stay generic.
bool gemmOutDTypeOk(const std::string &outDType) {
  return outDType.empty() || outDType == "int32" || outDType == "int16" || outDType == "int8" ||
         outDType == "uint8";
}

} // namespace

std::string ConvImpl::name() const {
  std::string tiles = std::to_string(this->tiles.tileM) + "x" + std::to_string(this->tiles.tileN) +
                      "x" + std::to_string(this->tiles.tileK);
  switch (kind) {
  case Kind::GemmNeon: return "gemm_neon_" + tiles;
  case Kind::GemmDotprod: return "gemm_dotprod_" + tiles;
  case Kind::GemmI8mm: return "gemm_i8mm_" + tiles;
  case Kind::Generic: return "generic";
  }
  return "generic";
}

ConvImpl selectConvImpl(const Target &target, const ir::Conv2DAttrs &attrs, ir::DType data,
                        ir::DType kernel) {
  ConvImpl impl;
  if (!target.isAArch64() || !target.neon) return impl;
  if (attrs.data_layout != "NHWC" || attrs.kernel_layout != "HWIO") return impl;
  if (attrs.groups != 1) return impl;
  if (!is8Bit(data) || !is8Bit(kernel)) return impl;
  if (!gemmOutDTypeOk(attrs.out_dtype)) return impl;
  if (!attrs.out_layout.empty() && attrs.out_layout != "NHWC") return impl;
  // i8mm before dotprod: an i8mm target has both, and the 8x12x8 smmla kernel does twice the
  // work per instruction (TVM #15711 settled the same priority).
  if (target.i8mm) {
    impl.kind = ConvImpl::Kind::GemmI8mm;
    impl.tiles = {8, 12, 8};
  } else if (target.dotprod) {
    impl.kind = ConvImpl::Kind::GemmDotprod;
    impl.tiles = {8, 12, 4};
  } else {
    impl.kind = ConvImpl::Kind::GemmNeon;
    impl.tiles = {4, 4, 16};
  }
  return impl;
}

} // namespace mtc::passes
