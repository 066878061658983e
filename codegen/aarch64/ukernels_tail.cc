// mtc — tail micro-kernels: the last row block of a convolution holds M mod 8 valid rows and
// the last column block N mod 12 valid columns, and the 8x12 kernels would compute all of them
// (7 of 8 rows wasted when M mod 8 = 1, e.g. a 1x1 classifier or a 7x7 feature map; 8 of 72
// columns for N = 64). These variants read the same packed panels (8 rows per A k-block, 12
// columns per B k-block) but compute only a 1/4/8 x 4/8/12 (dotprod) or 2/4/8 x 4/8/12 (i8mm)
// corner of the tile, and 1 or 2 rows of the Armv8.0 4x4 tile. Their asm is generated here; the
// main kernels stay hand-scheduled.
// SPDX-License-Identifier: Apache-2.0
#include "codegen/aarch64/ukernels.h"

#include <string>
#include <vector>

namespace mtc::codegen::aarch64 {
namespace {

using Kind = passes::ConvImpl::Kind;

std::string v(int i) { return "v" + std::to_string(i); }
std::string q(int i) { return "q" + std::to_string(i); }
std::string imm(int i) { return "#" + std::to_string(i); }

// Loads `n` consecutive q registers q(first).. from base + offset, two per ldp.
void loadQ(std::string &s, int first, int n, const char *base, int offset) {
  for (int i = 0; i < n; i += 2) {
    const std::string at = std::string(base) + (offset + 16 * i ? ", " + imm(offset + 16 * i) : "");
    if (i + 1 < n)
      s += "  ldp " + q(first + i) + ", " + q(first + i + 1) + ", [" + at + "]\n";
    else
      s += "  ldr " + q(first + i) + ", [" + at + "]\n";
  }
}

// Register plan shared by the generated kernels: A in v0-v3, B in v4-v9, the accumulators in
// the top `count` registers v(32 - count)..v31 (count <= 16 here, so nothing overlaps).
int accBase(int count) { return 32 - count; }

// Stores `rows` rows of `cols` int32 from acc(m, j) = v(base + (cols/4)·m + j), lanes
// C[m][4j..4j+3].
void storeRows(std::string &s, int base, int rows, int cols) {
  const int nj = cols / 4;
  for (int m = 0; m < rows; ++m) {
    if (m) s += "  add {c}, {c}, {ldc}\n";
    const int r = base + nj * m;
    if (nj >= 2) s += "  stp " + q(r) + ", " + q(r + 1) + ", [{c}]\n";
    if (nj != 2) s += "  str " + q(r + nj - 1) + ", [{c}" + (nj == 3 ? ", #32" : "") + "]\n";
  }
}

// dotprod over an 8x4 A block (32 bytes per k-block) and a 12x4 B block (48 bytes): rows 1, 4
// or 8, columns 4, 8 or 12 (the first cols/4 q registers of each B block). rows 8: A rows 0-3
// and 4-7 are the block's two q; rows 4: its first q; rows 1: its first 4 bytes (an s load),
// and the two k-blocks of an iteration use separate accumulators (summed at the end) so the
// few sdot chains are not latency-bound.
std::string dotprodTile(int rows, int cols) {
  const int nj = cols / 4, aRegs = rows == 8 ? 2 : 1;
  const bool split = rows == 1;
  const int count = rows * nj * (split ? 2 : 1), base = accBase(count);
  std::string s;
  for (int i = 0; i < count; ++i) s += "  movi " + v(base + i) + ".4s, #0\n";
  auto loads = [&](int blk) {
    if (rows == 1)
      s += "  ldr s" + std::to_string(2 * blk) + ", [{a}" + (blk ? ", #32" : "") + "]\n";
    else
      loadQ(s, 2 * blk, aRegs, "{a}", 32 * blk);
    loadQ(s, 4 + nj * blk, nj, "{b}", 48 * blk);
  };
  auto dots = [&](int blk) {
    const int accs = split && blk ? base + rows * nj : base;
    for (int m = 0; m < rows; ++m)
      for (int j = 0; j < nj; ++j)
        s += "  {su}dot " + v(accs + nj * m + j) + ".4s, " + v(4 + nj * blk + j) + ".16b, " +
             v(2 * blk + m / 4) + ".4b[" + std::to_string(m % 4) + "]\n";
  };
  s += "  subs {k}, {k}, #2\n  b.lt 2f\n1:\n  // @mca-begin\n";
  loads(0);
  loads(1);
  dots(0);
  dots(1);
  s += "  add {a}, {a}, #64\n  add {b}, {b}, #96\n  subs {k}, {k}, #2\n  // @mca-end\n  b.ge 1b\n";
  s += "2:\n  // k is now -1 (one k-block left) or -2 (none)\n  tbz {k}, #0, 3f\n";
  loads(0);
  dots(0);
  s += "3:\n";
  if (split)
    for (int j = 0; j < nj; ++j)
      s += "  add " + v(base + j) + ".4s, " + v(base + j) + ".4s, " + v(base + nj + j) + ".4s\n";
  storeRows(s, base, rows, cols);
  return s;
}

// i8mm over an 8x8 A block (64 bytes per k-block; row pair i = bytes 16i..16i+15) and a 12x8
// B block (96 bytes; column pair j = bytes 16j..16j+15): rows 2, 4 or 8, columns 4, 8 or 12.
// acc(i, j) = v(base + (cols/2)·i + j) holds the 2x2 block of rows 2i, 2i+1 and columns 2j,
// 2j+1; the store de-interleaves with zip1 / zip2 on 64-bit lanes into v0-v5.
std::string i8mmTile(int rows, int cols) {
  const int pi = rows / 2, pj = cols / 2, count = pi * pj, base = accBase(count);
  std::string s;
  for (int i = 0; i < count; ++i) s += "  movi " + v(base + i) + ".4s, #0\n";
  auto block = [&](int aOff, int bOff) {
    loadQ(s, 0, pi, "{a}", aOff);
    loadQ(s, 4, pj, "{b}", bOff);
    for (int i = 0; i < pi; ++i)
      for (int j = 0; j < pj; ++j)
        s += "  {su}mmla " + v(base + pj * i + j) + ".4s, " + v(i) + ".16b, " + v(4 + j) + ".16b\n";
  };
  s += "  subs {k}, {k}, #2\n  b.lt 2f\n1:\n  // @mca-begin\n";
  block(0, 0);
  block(64, 96);
  s += "  add {a}, {a}, #128\n  add {b}, {b}, #192\n  subs {k}, {k}, #2\n  // @mca-end\n  b.ge 1b\n";
  s += "2:\n  // k is now -1 (one k-block left) or -2 (none)\n  tbz {k}, #0, 3f\n";
  block(0, 0);
  s += "3:\n";
  const int nq = cols / 4;
  for (int i = 0; i < pi; ++i) {
    const int r = base + pj * i;
    for (int h = 0; h < 2; ++h)
      for (int t = 0; t < nq; ++t)
        s += std::string(h ? "  zip2 " : "  zip1 ") + v(3 * h + t) + ".2d, " + v(r + 2 * t) +
             ".2d, " + v(r + 2 * t + 1) + ".2d\n";
    for (int h = 0; h < 2; ++h) {
      if (i || h) s += "  add {c}, {c}, {ldc}\n";
      const int t0 = 3 * h;
      if (nq >= 2) s += "  stp " + q(t0) + ", " + q(t0 + 1) + ", [{c}]\n";
      if (nq != 2) s += "  str " + q(t0 + nq - 1) + ", [{c}" + (nq == 3 ? ", #32" : "") + "]\n";
    }
  }
  return s;
}

// Armv8.0, rows 1 or 2 of a 4x16 A block (64 bytes per k-block), B 4x16 (64 bytes): the 4x4x16
// kernel's dataflow for fewer rows. acc(r, c) = v(16 + 4r + c); per row, 4 {su}mull (low 8 k)
// and 4 {su}mull2 (high 8 k) into v8-v15, each widened and accumulated by {su}adalp; three addp
// per row leave C[r][0..3] in v(16 + 4r).
std::string neonTile(int rows) {
  std::string s;
  for (int i = 0; i < 4 * rows; ++i) s += "  movi " + v(16 + i) + ".4s, #0\n";
  s += "  cbz {k}, 2f\n1:\n  // @mca-begin\n";
  loadQ(s, 0, rows, "{a}", 0);
  loadQ(s, 4, 4, "{b}", 0);
  for (int r = 0; r < rows; ++r) {
    for (int c = 0; c < 4; ++c)
      s += "  {su}mull " + v(8 + c) + ".8h, " + v(r) + ".8b, " + v(4 + c) + ".8b\n";
    for (int c = 0; c < 4; ++c) {
      s += "  {su}mull2 " + v(12 + c) + ".8h, " + v(r) + ".16b, " + v(4 + c) + ".16b\n";
      s += "  {su}adalp " + v(16 + 4 * r + c) + ".4s, " + v(8 + c) + ".8h\n";
    }
    for (int c = 0; c < 4; ++c)
      s += "  {su}adalp " + v(16 + 4 * r + c) + ".4s, " + v(12 + c) + ".8h\n";
  }
  s += "  add {a}, {a}, #64\n  add {b}, {b}, #64\n  subs {k}, {k}, #1\n  // @mca-end\n  b.ne 1b\n";
  s += "2:\n  // reduce: lane c of v(16+4r) = C[r][c]\n";
  for (int r = 0; r < rows; ++r) {
    const int a = 16 + 4 * r;
    s += "  addp " + v(a) + ".4s, " + v(a) + ".4s, " + v(a + 1) + ".4s\n";
    s += "  addp " + v(a + 1) + ".4s, " + v(a + 2) + ".4s, " + v(a + 3) + ".4s\n";
    s += "  addp " + v(a) + ".4s, " + v(a) + ".4s, " + v(a + 1) + ".4s\n";
    if (r) s += "  add {c}, {c}, {ldc}\n";
    s += "  str " + q(a) + ", [{c}]\n";
  }
  return s;
}

// Every (rows, cols) tile smaller than the 8x12 main kernels, and the 1- and 2-row tiles of the
// 4x4 Armv8.0 kernel, for both operand dtypes.
struct TailTable {
  std::vector<std::string> names, texts;
  std::vector<UKernel> kernels;
  TailTable() {
    struct Shape { Kind kind; const char *family; int rows, cols, tileK; unsigned feat; };
    std::vector<Shape> shapes;
    for (int rows : {1, 2}) shapes.push_back({Kind::GemmNeon, "neon", rows, 4, 16, kFeatNeon});
    for (int rows : {1, 4, 8})
      for (int cols : {4, 8, 12})
        if (rows != 8 || cols != 12) shapes.push_back({Kind::GemmDotprod, "dotprod", rows, cols, 4, kFeatDotprod});
    for (int rows : {2, 4, 8})
      for (int cols : {4, 8, 12})
        if (rows != 8 || cols != 12) shapes.push_back({Kind::GemmI8mm, "i8mm", rows, cols, 8, kFeatI8mm});
    // Reserve first: the kernels keep string_views into these strings.
    names.reserve(2 * shapes.size());
    texts.reserve(shapes.size());
    kernels.reserve(2 * shapes.size());
    for (const Shape &sh : shapes) {
      texts.push_back(sh.kind == Kind::GemmNeon      ? neonTile(sh.rows)
                      : sh.kind == Kind::GemmDotprod ? dotprodTile(sh.rows, sh.cols)
                                                     : i8mmTile(sh.rows, sh.cols));
      const bool neon = sh.kind == Kind::GemmNeon;
      for (ir::DType t : {ir::DType::Int8, ir::DType::UInt8}) {
        names.push_back(std::string(sh.family) + (t == ir::DType::Int8 ? "_s8_" : "_u8_") +
                        std::to_string(sh.rows) + "x" + std::to_string(sh.cols) + "x" +
                        std::to_string(sh.tileK));
        kernels.push_back({names.back(), sh.kind, sh.rows, sh.cols, sh.tileK, t, sh.feat,
                           neon ? 1 : 2, texts.back(), ukernelConstraints(), neon ? 4 : 8,
                           neon ? 4 : 12});
      }
    }
  }
};

const TailTable &tailTable() {
  static const TailTable t;
  return t;
}

} // namespace

std::span<const UKernel> tailKernels() { return tailTable().kernels; }

const UKernel *findTailKernel(const UKernel &main, int rows, int cols) {
  const UKernel *best = nullptr;
  for (const UKernel &k : tailKernels())
    if (k.kind == main.kind && k.dtype == main.dtype && k.tileK == main.tileK &&
        k.aPanelRows() == main.tileM && k.bPanelCols() == main.tileN && k.tileM >= rows &&
        k.tileN >= cols &&
        (!best || k.tileM * k.tileN < best->tileM * best->tileN))
      best = &k;
  return best && best->tileM * best->tileN < main.tileM * main.tileN ? best : nullptr;
}

} // namespace mtc::codegen::aarch64
