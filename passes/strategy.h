// mtc — the single place that decides how a convolution is implemented on a target.
//
// QnnLegalize and AlterOpLayout both ask `selectConvImpl`, so the dtype legalization always
// prepares for the implementation that AlterOpLayout will choose (TVM #5754 could not guarantee
// this because legalization ran before the strategy was known). The codegen's micro-kernel table
// must agree with the tiles returned here (a unit test checks it).
// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "ir/dtype.h"
#include "ir/ops/attrs.h"
#include "passes/target.h"

#include <string>

namespace mtc::passes {

/// Tiles of the interleaved GEMM: A is packed in tileM x tileK blocks, the weights in
/// tileN x tileK blocks (nn.contrib_conv2d_gemm_weight_transform(tile_N, tile_K)).
struct GemmTiles {
  int tileM = 0, tileN = 0, tileK = 0;
};

/// How one conv2d is computed.
struct ConvImpl {
  enum class Kind {
    GemmNeon,    ///< AArch64 Armv8.0 umull/uadalp (smull/sadalp) kernel, tiles 4x4x16
    GemmDotprod, ///< AArch64 +dotprod sdot/udot kernel, tiles 8x12x4
    GemmI8mm,    ///< AArch64 +i8mm smmla/ummla kernel, tiles 8x12x8
    Generic,     ///< direct loops (host, depthwise, grouped, layouts the GEMM path does not take)
  };
  Kind kind = Kind::Generic;
  GemmTiles tiles;
  /// Name shown in dumps and the compile summary, e.g. "gemm_dotprod_8x12".
  std::string name() const;
  bool isGemm() const { return kind != Kind::Generic; }
};

/// The implementation of a conv2d with these attributes and data/kernel dtypes on `target`.
/// The GEMM path needs: AArch64, NHWC data, HWIO kernel, groups == 1, 8-bit data and kernel of
/// the same signedness (QnnLegalize makes them so when this returns a GEMM kind for mixed
/// dtypes).
ConvImpl selectConvImpl(const Target &target, const ir::Conv2DAttrs &attrs, ir::DType data,
                        ir::DType kernel);

} // namespace mtc::passes
