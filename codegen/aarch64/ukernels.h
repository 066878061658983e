// mtc — the AArch64 GEMM micro-kernels: one table, one entry per (instruction set, signedness).
// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "ir/dtype.h"
#include "passes/strategy.h"
#include "passes/target.h"

#include <span>
#include <string>
#include <string_view>

namespace mtc::codegen::aarch64 {

/// Target features a micro-kernel's instructions need beyond Armv8.0 AArch64 + NEON.
enum UKernelFeature : unsigned {
  kFeatNeon = 0,         ///< Armv8.0 AdvSIMD only (umull/uadalp, smull/sadalp)
  kFeatDotprod = 1u << 0, ///< FEAT_DotProd (sdot/udot)
  kFeatI8mm = 1u << 1,    ///< FEAT_I8MM (smmla/ummla)
};

/// One GEMM micro-kernel. It computes, in ONE inline asm block, a whole output tile
///
///   C[m][n] = Σ_{k < kBlocks·tileK} A[m][k] · B[n][k]     (0 ≤ m < tileM, 0 ≤ n < tileN)
///
/// over packed panels, and stores it (overwriting C). Operands (placeholders of `asmTemplate`):
///   {a}   pointer to the A panel of one row block: kBlocks blocks of tileM x tileK bytes, each
///         block row-major (A_int[mb, kb, mi, ki]), blocks contiguous;
///   {b}   pointer to the B panel of one column block: kBlocks blocks of tileN x tileK bytes
///         (B'[nb, kb, ni, ki] of nn.contrib_conv2d_gemm_weight_transform), contiguous;
///   {c}   pointer to C[0][0], int32, row-major; row m starts at {c} + m·{ldc} bytes;
///   {k}   kBlocks ≥ 0 (64-bit); 0 stores a zero tile;
///   {ldc} row stride of C in BYTES (the emitter converts from elements).
/// {a}, {b}, {c}, {k} are read-write (their final values are garbage), {ldc} is read only.
/// `{su}` expands to "s" (int8 x int8) or "u" (uint8 x uint8). Products are summed exactly
/// modulo 2^32, so C is exact while |C| < 2^31: K ≤ 131071 for int8, K ≤ 33025 for uint8.
/// Each template marks its steady-state loop body with `// @mca-begin` / `// @mca-end`
/// (label and branch outside), which bench/kernel_mca.py measures with llvm-mca.
struct UKernel {
  std::string_view name;      ///< e.g. "dotprod_s8_8x12x4"; test symbol mtc_ukernel_test_<name>
  passes::ConvImpl::Kind kind; ///< the strategy kind this kernel implements
  int tileM, tileN, tileK;
  ir::DType dtype;            ///< Int8 or UInt8, both operands
  unsigned features;          ///< UKernelFeature bits
  int kUnroll;                ///< k-blocks per iteration of the marked loop body
  std::string_view asmTemplate;
  /// LLVM inline-asm constraints: outputs $0..$3 = {a},{b},{c},{k} (early-clobber), input
  /// $4 = {ldc}, inputs $5..$8 tied to $0..$3, then clobbers v0-v31, cc, memory.
  std::string_view constraints;
  /// Rows per k-block of the A panel and columns per k-block of the B panel it reads (0: tileM,
  /// tileN). A tail kernel computes the first tileM x tileN corner of panels packed for a
  /// larger kernel (tailKernels()).
  int panelRows = 0, panelCols = 0;

  /// Rows per k-block of the A panel.
  int aPanelRows() const { return panelRows ? panelRows : tileM; }
  /// Columns per k-block of the B panel.
  int bPanelCols() const { return panelCols ? panelCols : tileN; }
  /// MACs of one k-block (tileM·tileN·tileK).
  int macsPerBlock() const { return tileM * tileN * tileK; }
  /// Bytes of one k-block of the A panel (aPanelRows()·tileK) and of the B panel
  /// (bPanelCols()·tileK).
  int aBlockBytes() const { return aPanelRows() * tileK; }
  int bBlockBytes() const { return bPanelCols() * tileK; }
  /// The LLVM inline-asm text: placeholders replaced by $N / mnemonic prefixes.
  std::string llvmAsm() const;
  /// The template with `{su}` expanded and operands left as {a}..{ldc} (for tools and docs).
  std::string expandedTemplate() const;
};

/// All micro-kernels (6: neon, dotprod, i8mm x int8, uint8).
std::span<const UKernel> ukernelTable();
/// The inline-asm constraint string every kernel uses (UKernel::constraints).
std::string_view ukernelConstraints();
/// Tail kernels (codegen/aarch64/ukernels_tail.cc): variants computing only a rows x cols corner
/// of the same panels (dotprod rows 1/4/8, i8mm rows 2/4/8, cols 4/8/12 of the 8x12 kernels;
/// rows 1/2 of the Armv8.0 4x4 kernel), for the partial last row and column blocks.
std::span<const UKernel> tailKernels();
/// The smallest tail kernel of `main` covering `rows` x `cols` valid outputs, or nullptr when
/// none is smaller than `main` itself.
const UKernel *findTailKernel(const UKernel &main, int rows, int cols);
/// The kernel for a GEMM strategy kind and operand dtype; nullptr if there is none.
const UKernel *findUKernel(passes::ConvImpl::Kind kind, ir::DType dtype);
/// The kernel with this name; nullptr if unknown.
const UKernel *findUKernel(std::string_view name);
/// True if `target` is AArch64 and has every feature the kernel needs.
bool ukernelSupported(const UKernel &k, const passes::Target &target);
/// LLVM feature names (without '+') the kernel needs, e.g. "neon,dotprod".
std::string ukernelFeatureList(const UKernel &k);

} // namespace mtc::codegen::aarch64
