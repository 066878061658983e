// mtc — the dedicated AArch64 lowering of nn.contrib_conv2d_gemm_without_weight_transform:
// im2col + interleave of A per row block, the micro-kernel GEMM over the packed weights, and
// the fused epilogue applied per output tile (docs/codegen.md, "GEMM convolution lowering").
// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "codegen/aarch64/ukernels.h"
#include "codegen/lower_ops.h"
#include "ir/ops/conv.h"

#include <optional>
#include <string>

namespace mtc::codegen {

/// How the A panel of one row block is filled.
enum class GemmPacking {
  /// IC is a multiple of tileK: every tileK-byte unit of an im2col row is one contiguous run of
  /// one input pixel (or zero), copied unit by unit straight into the interleaved panel.
  Units,
  /// Otherwise: each im2col row is first assembled in a row buffer of K_pad bytes (constant-size
  /// copies of IC, or KW·IC when a whole kernel row is inside the image), then scattered into
  /// the panel unit by unit.
  Rows,
};

/// Everything the lowering decides at compile time about one GEMM convolution.
struct GemmConvPlan {
  const aarch64::UKernel *kernel = nullptr;
  ir::Conv2DGeometry g;
  int64_t m = 0;       ///< OH·OW (rows of the GEMM per batch image)
  int64_t k = 0;       ///< KH·KW·IC
  int64_t n = 0;       ///< OC
  int64_t kBlocks = 0; ///< K_pad / tileK (the packed weight's dim 1)
  int64_t mFull = 0;   ///< row blocks with tileM valid rows
  int64_t mRem = 0;    ///< valid rows of the last, partial row block (0: none)
  int64_t nFull = 0;   ///< column blocks with tileN valid columns
  int64_t nRem = 0;    ///< valid columns of the last, partial column block (0: none)
  GemmPacking packing = GemmPacking::Units;
  /// No padding and stride 1 with a 1x1 kernel: im2col row m is input pixel m.
  bool pointwise = false;
  /// The kernels of the partial blocks: last row block x full column block (tailM), full row
  /// block x last column block (tailN), and both partial (tailMN). A tail kernel when one covers
  /// the valid outputs with a smaller tile than `kernel` (aarch64::findTailKernel), else `kernel`.
  const aarch64::UKernel *tailM = nullptr, *tailN = nullptr, *tailMN = nullptr;
  /// The kernel of a block with `rows` valid rows and `cols` valid columns.
  const aarch64::UKernel &kernelFor(int64_t rows, int64_t cols) const;
  int64_t panelBytes() const;
  /// Offset of the row buffer (K_pad bytes, GemmPacking::Rows only) in the scratch: the panel
  /// comes first, the row buffer after it on a 64-byte boundary.
  int64_t rowBufOffset() const;
  /// Workspace scratch of the lowering (OpLowering::scratchBytes): the panel, and the row
  /// buffer with GemmPacking::Rows. Only the int32 C tile (tileM x tileN) is on the stack.
  int64_t scratchBytes() const;
  /// e.g. "gemm_dotprod_8x12 (dotprod_s8_8x12x4, im2col units)".
  std::string describe() const;
};

/// The plan for `call` on `target`, or nullopt with `*whyNot` saying why the generic lowering
/// must be used instead (not AArch64, no micro-kernel for the packed tiles and dtype on this
/// target, an output layout or dtype the kernel cannot produce exactly).
std::optional<GemmConvPlan> planGemmConv(const ir::CallNode *call, const passes::Target &target,
                                         std::string *whyNot = nullptr);

/// Replaces the lowering of nn.contrib_conv2d_gemm_without_weight_transform by one that uses
/// the GEMM lowering when planGemmConv succeeds and the lowering registered before (the generic
/// loops of lower_ops_conv.cc) otherwise. Call after registerConvLowerings.
void registerGemmConvLowering(LoweringTable &t);

/// Emits, at the builder's position, the packing of the A panel of one row block of batch
/// image `batch` whose first row is `m0`: `rows` valid rows (the others are zero), all
/// kBlocks blocks of tileM x tileK bytes. `data` is the NHWC input, `padRow` IC bytes of the pad value,
/// `rowBuf` K_pad bytes whose tail past K is zero (GemmPacking::Rows only).
void emitGemmPackPanel(Builder &b, const GemmConvPlan &p, const Buffer &data, llvm::Value *batch,
                       llvm::Value *m0, int64_t rows, llvm::Value *panel, llvm::Value *padRow,
                       llvm::Value *rowBuf);

} // namespace mtc::codegen
