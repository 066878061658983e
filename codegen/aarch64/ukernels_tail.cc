// mtc — row-tail micro-kernels: the last row block of a convolution holds M mod 8 valid rows,
// and the 8-row kernels would compute all 8 (7 of them wasted when M mod 8 = 1, e.g. a 1x1
// classifier or a 7x7 feature map). These variants read the same packed A panel (8 rows per
// k-block) but compute only its first 4 / 1 (dotprod) or 4 / 2 (i8mm) rows. Their asm is
// generated here from the same register plan as the hand-scheduled 8-row kernels.
// SPDX-License-Identifier: Apache-2.0
#include "codegen/aarch64/ukernels.h"

#include <array>
#include <string>

namespace mtc::codegen::aarch64 {
namespace {

using Kind = passes::ConvImpl::Kind;

constexpr std::string_view kConstraints =
    "=&r,=&r,=&r,=&r,r,0,1,2,3,"
    "~{v0},~{v1},~{v2},~{v3},~{v4},~{v5},~{v6},~{v7},~{v8},~{v9},~{v10},~{v11},~{v12},~{v13},"
    "~{v14},~{v15},~{v16},~{v17},~{v18},~{v19},~{v20},~{v21},~{v22},~{v23},~{v24},~{v25},"
    "~{v26},~{v27},~{v28},~{v29},~{v30},~{v31},~{cc},~{memory}";

std::string v(int i) { return "v" + std::to_string(i); }

void zero(std::string &s, int first, int count) {
  for (int i = 0; i < count; ++i) s += "  movi " + v(first + i) + ".4s, #0\n";
}

// Stores rows of 12 int32 held as acc(m, j) = v(first + 3m + j), lanes C[m][4j..4j+3].
void storeRows(std::string &s, int first, int rows) {
  for (int m = 0; m < rows; ++m) {
    if (m) s += "  add {c}, {c}, {ldc}\n";
    s += "  stp q" + std::to_string(first + 3 * m) + ", q" + std::to_string(first + 3 * m + 1) +
         ", [{c}]\n  str q" + std::to_string(first + 3 * m + 2) + ", [{c}, #32]\n";
  }
}

// dotprod, rows 4 or 1 of an 8x4 A block (32 bytes per k-block), B 12x4 (48 bytes).
// rows 4: acc(m, j) = v(8 + 3m + j); A rows 0-3 of a block are its first 16 bytes (one q).
// rows 1: A row 0 is the block's first 4 bytes (one s); the two k-blocks of an iteration use
//         separate accumulators v8-v10 / v11-v13 (one chain per sdot would be latency-bound),
//         added at the end.
std::string dotprodRows(int rows) {
  const bool one = rows == 1;
  const char *aLoad = one ? "ldr s" : "ldr q";
  std::string s;
  zero(s, 8, one ? 6 : 3 * rows);
  auto block = [&](int aReg, int bReg, int accBase) {
    for (int m = 0; m < rows; ++m)
      for (int j = 0; j < 3; ++j)
        s += "  {su}dot " + v(accBase + 3 * m + j) + ".4s, " + v(bReg + j) + ".16b, " + v(aReg) +
             ".4b[" + std::to_string(m) + "]\n";
  };
  s += "  subs {k}, {k}, #2\n  b.lt 2f\n1:\n  // @mca-begin\n";
  s += std::string("  ") + aLoad + "0, [{a}]\n  " + aLoad + "1, [{a}, #32]\n";
  for (int j = 0; j < 6; ++j) s += "  ldr q" + std::to_string(2 + j) + ", [{b}, #" + std::to_string(16 * j) + "]\n";
  block(0, 2, 8);
  block(1, 5, one ? 11 : 8);
  s += "  add {a}, {a}, #64\n  add {b}, {b}, #96\n  subs {k}, {k}, #2\n  // @mca-end\n  b.ge 1b\n";
  s += "2:\n  // k is now -1 (one k-block left) or -2 (none)\n  tbz {k}, #0, 3f\n";
  s += std::string("  ") + aLoad + "0, [{a}]\n";
  for (int j = 0; j < 3; ++j) s += "  ldr q" + std::to_string(2 + j) + ", [{b}, #" + std::to_string(16 * j) + "]\n";
  block(0, 2, 8);
  s += "3:\n";
  if (one)
    for (int j = 0; j < 3; ++j) s += "  add " + v(8 + j) + ".4s, " + v(8 + j) + ".4s, " + v(11 + j) + ".4s\n";
  storeRows(s, 8, rows);
  return s;
}

// i8mm, rows 4 or 2 of an 8x8 A block (64 bytes per k-block; row pair i = bytes 16i..16i+15),
// B 12x8 (96 bytes, 6 column pairs). acc(i, j) = v(8 + 6i + j) holds the 2x2 block of rows
// 2i, 2i+1 and columns 2j, 2j+1; the store de-interleaves with zip1/zip2 on 64-bit lanes.
std::string i8mmRows(int rows) {
  const int pairs = rows / 2;
  std::string s;
  zero(s, 8, 6 * pairs);
  auto block = [&](int aOff, int bOff) {
    for (int i = 0; i < pairs; ++i)
      s += "  ldr q" + std::to_string(i) + ", [{a}, #" + std::to_string(aOff + 16 * i) + "]\n";
    for (int j = 0; j < 6; ++j)
      s += "  ldr q" + std::to_string(2 + j) + ", [{b}, #" + std::to_string(bOff + 16 * j) + "]\n";
    for (int i = 0; i < pairs; ++i)
      for (int j = 0; j < 6; ++j)
        s += "  {su}mmla " + v(8 + 6 * i + j) + ".4s, " + v(i) + ".16b, " + v(2 + j) + ".16b\n";
  };
  s += "  subs {k}, {k}, #2\n  b.lt 2f\n1:\n  // @mca-begin\n";
  block(0, 0);
  block(64, 96);
  s += "  add {a}, {a}, #128\n  add {b}, {b}, #192\n  subs {k}, {k}, #2\n  // @mca-end\n  b.ge 1b\n";
  s += "2:\n  // k is now -1 (one k-block left) or -2 (none)\n  tbz {k}, #0, 3f\n";
  block(0, 0);
  s += "3:\n";
  for (int i = 0; i < pairs; ++i) {
    const int base = 8 + 6 * i;
    for (int h = 0; h < 2; ++h)
      for (int j = 0; j < 3; ++j)
        s += std::string(h ? "  zip2 " : "  zip1 ") + v(3 * h + j) + ".2d, " + v(base + 2 * j) +
             ".2d, " + v(base + 2 * j + 1) + ".2d\n";
    if (i) s += "  add {c}, {c}, {ldc}\n";
    s += "  stp q0, q1, [{c}]\n  str q2, [{c}, #32]\n  add {c}, {c}, {ldc}\n";
    s += "  stp q3, q4, [{c}]\n  str q5, [{c}, #32]\n";
  }
  return s;
}

struct TailTable {
  std::array<std::string, 4> text{dotprodRows(4), dotprodRows(1), i8mmRows(4), i8mmRows(2)};
  std::array<UKernel, 8> kernels{{
      {"dotprod_s8_4x12x4", Kind::GemmDotprod, 4, 12, 4, ir::DType::Int8, kFeatDotprod, 2, text[0], kConstraints, 8},
      {"dotprod_u8_4x12x4", Kind::GemmDotprod, 4, 12, 4, ir::DType::UInt8, kFeatDotprod, 2, text[0], kConstraints, 8},
      {"dotprod_s8_1x12x4", Kind::GemmDotprod, 1, 12, 4, ir::DType::Int8, kFeatDotprod, 2, text[1], kConstraints, 8},
      {"dotprod_u8_1x12x4", Kind::GemmDotprod, 1, 12, 4, ir::DType::UInt8, kFeatDotprod, 2, text[1], kConstraints, 8},
      {"i8mm_s8_4x12x8", Kind::GemmI8mm, 4, 12, 8, ir::DType::Int8, kFeatI8mm, 2, text[2], kConstraints, 8},
      {"i8mm_u8_4x12x8", Kind::GemmI8mm, 4, 12, 8, ir::DType::UInt8, kFeatI8mm, 2, text[2], kConstraints, 8},
      {"i8mm_s8_2x12x8", Kind::GemmI8mm, 2, 12, 8, ir::DType::Int8, kFeatI8mm, 2, text[3], kConstraints, 8},
      {"i8mm_u8_2x12x8", Kind::GemmI8mm, 2, 12, 8, ir::DType::UInt8, kFeatI8mm, 2, text[3], kConstraints, 8},
  }};
};

const TailTable &tailTable() {
  static const TailTable t;
  return t;
}

} // namespace

std::span<const UKernel> rowTailKernels() { return tailTable().kernels; }

const UKernel *findRowTailKernel(const UKernel &main, int rows) {
  const UKernel *best = nullptr;
  for (const UKernel &k : rowTailKernels())
    if (k.kind == main.kind && k.dtype == main.dtype && k.tileN == main.tileN &&
        k.tileK == main.tileK && k.aPanelRows() == main.tileM && k.tileM >= rows &&
        k.tileM < main.tileM && (!best || k.tileM < best->tileM))
      best = &k;
  return best;
}

} // namespace mtc::codegen::aarch64
