// mtc — the AArch64 GEMM micro-kernel table (asm templates and register contracts).
// SPDX-License-Identifier: Apache-2.0
#include "codegen/aarch64/ukernels.h"

#include "ir/check.h"

#include <array>

namespace mtc::codegen::aarch64 {
namespace {

using passes::ConvImpl;
using Kind = ConvImpl::Kind;

// Every kernel uses the same operand numbering (see UKernel::constraints) and clobbers all 32
// vector registers; LLVM then saves d8-d15 (callee-saved) once in the enclosing function.
constexpr std::string_view kConstraints =
    "=&r,=&r,=&r,=&r,r,0,1,2,3,"
    "~{v0},~{v1},~{v2},~{v3},~{v4},~{v5},~{v6},~{v7},~{v8},~{v9},~{v10},~{v11},~{v12},~{v13},"
    "~{v14},~{v15},~{v16},~{v17},~{v18},~{v19},~{v20},~{v21},~{v22},~{v23},~{v24},~{v25},"
    "~{v26},~{v27},~{v28},~{v29},~{v30},~{v31},~{cc},~{memory}";

// (a) Armv8.0, TVM #5754 dataflow, tile 4x4x16.
// Registers: v0-v3 = A rows 0-3 (16 k each), v4-v7 = B rows 0-3, v8-v15 = 8x16-bit products
// (rotating), v16-v31 = 16 int32x4 accumulators acc(r,c) = v(16+4r+c).
// Per k-block: 16 {su}mull (low 8 k) + 16 {su}mull2 (high 8 k) + 32 {su}adalp = 256 MAC. The
// products are exact in 16 bits (u8: <= 65025, s8: [-16256, 16384]) and {su}adalp widens pairs
// into 32 bits. Each product is accumulated 3 instructions after its multiply, so an in-order
// core (A53/A55) never waits on the multiply latency; out-of-order cores are bound by the
// multiply pipe (V0) and accumulate pipe (V1) only. Three addp per row reduce the 4 lanes of
// each accumulator, leaving C[r][0..3] in v(16+4r).
constexpr std::string_view kNeonAsm = R"asm(
  // zero the 16 accumulators acc(r,c) = v(16+4r+c)
  movi v16.4s, #0
  movi v17.4s, #0
  movi v18.4s, #0
  movi v19.4s, #0
  movi v20.4s, #0
  movi v21.4s, #0
  movi v22.4s, #0
  movi v23.4s, #0
  movi v24.4s, #0
  movi v25.4s, #0
  movi v26.4s, #0
  movi v27.4s, #0
  movi v28.4s, #0
  movi v29.4s, #0
  movi v30.4s, #0
  movi v31.4s, #0
  cbz {k}, 2f
1:
  // @mca-begin
  ldr q0, [{a}]
  ldr q4, [{b}]
  ldr q5, [{b}, #16]
  ldr q6, [{b}, #32]
  ldr q7, [{b}, #48]
  ldr q1, [{a}, #16]
  ldr q2, [{a}, #32]
  ldr q3, [{a}, #48]
  {su}mull v8.8h, v0.8b, v4.8b
  {su}mull v9.8h, v0.8b, v5.8b
  {su}mull v10.8h, v0.8b, v6.8b
  {su}mull v11.8h, v0.8b, v7.8b
  {su}adalp v16.4s, v8.8h
  {su}mull2 v12.8h, v0.16b, v4.16b
  {su}adalp v17.4s, v9.8h
  {su}mull2 v13.8h, v0.16b, v5.16b
  {su}adalp v18.4s, v10.8h
  {su}mull2 v14.8h, v0.16b, v6.16b
  {su}adalp v19.4s, v11.8h
  {su}mull2 v15.8h, v0.16b, v7.16b
  {su}adalp v16.4s, v12.8h
  {su}mull v8.8h, v1.8b, v4.8b
  {su}adalp v17.4s, v13.8h
  {su}mull v9.8h, v1.8b, v5.8b
  {su}adalp v18.4s, v14.8h
  {su}mull v10.8h, v1.8b, v6.8b
  {su}adalp v19.4s, v15.8h
  {su}mull v11.8h, v1.8b, v7.8b
  {su}adalp v20.4s, v8.8h
  {su}mull2 v12.8h, v1.16b, v4.16b
  {su}adalp v21.4s, v9.8h
  {su}mull2 v13.8h, v1.16b, v5.16b
  {su}adalp v22.4s, v10.8h
  {su}mull2 v14.8h, v1.16b, v6.16b
  {su}adalp v23.4s, v11.8h
  {su}mull2 v15.8h, v1.16b, v7.16b
  {su}adalp v20.4s, v12.8h
  {su}mull v8.8h, v2.8b, v4.8b
  {su}adalp v21.4s, v13.8h
  {su}mull v9.8h, v2.8b, v5.8b
  {su}adalp v22.4s, v14.8h
  {su}mull v10.8h, v2.8b, v6.8b
  {su}adalp v23.4s, v15.8h
  {su}mull v11.8h, v2.8b, v7.8b
  {su}adalp v24.4s, v8.8h
  {su}mull2 v12.8h, v2.16b, v4.16b
  {su}adalp v25.4s, v9.8h
  {su}mull2 v13.8h, v2.16b, v5.16b
  {su}adalp v26.4s, v10.8h
  {su}mull2 v14.8h, v2.16b, v6.16b
  {su}adalp v27.4s, v11.8h
  {su}mull2 v15.8h, v2.16b, v7.16b
  {su}adalp v24.4s, v12.8h
  {su}mull v8.8h, v3.8b, v4.8b
  {su}adalp v25.4s, v13.8h
  {su}mull v9.8h, v3.8b, v5.8b
  {su}adalp v26.4s, v14.8h
  {su}mull v10.8h, v3.8b, v6.8b
  {su}adalp v27.4s, v15.8h
  {su}mull v11.8h, v3.8b, v7.8b
  {su}adalp v28.4s, v8.8h
  {su}mull2 v12.8h, v3.16b, v4.16b
  {su}adalp v29.4s, v9.8h
  {su}mull2 v13.8h, v3.16b, v5.16b
  {su}adalp v30.4s, v10.8h
  {su}mull2 v14.8h, v3.16b, v6.16b
  {su}adalp v31.4s, v11.8h
  {su}mull2 v15.8h, v3.16b, v7.16b
  {su}adalp v28.4s, v12.8h
  {su}adalp v29.4s, v13.8h
  {su}adalp v30.4s, v14.8h
  {su}adalp v31.4s, v15.8h
  add {a}, {a}, #64
  add {b}, {b}, #64
  subs {k}, {k}, #1
  // @mca-end
  b.ne 1b
2:
  // reduce: lane c of v(16+4r) = C[r][c]
  addp v16.4s, v16.4s, v17.4s
  addp v17.4s, v18.4s, v19.4s
  addp v16.4s, v16.4s, v17.4s
  addp v20.4s, v20.4s, v21.4s
  addp v21.4s, v22.4s, v23.4s
  addp v20.4s, v20.4s, v21.4s
  addp v24.4s, v24.4s, v25.4s
  addp v25.4s, v26.4s, v27.4s
  addp v24.4s, v24.4s, v25.4s
  addp v28.4s, v28.4s, v29.4s
  addp v29.4s, v30.4s, v31.4s
  addp v28.4s, v28.4s, v29.4s
  str q16, [{c}]
  add {c}, {c}, {ldc}
  str q20, [{c}]
  add {c}, {c}, {ldc}
  str q24, [{c}]
  add {c}, {c}, {ldc}
  str q28, [{c}]
)asm";

// (b) FEAT_DotProd, tile 8x12x4 (the ACL/gemmlowp 8x12 shape).
// Registers: 24 int32x4 accumulators acc(m,j) = v(8+3m+j) hold C[m][4j..4j+3]; per k-block A
// is 8 rows x 4 k = 2 q registers (lane i of the first = row i, of the second = row 4+i), B is
// 12 rows x 4 k = 3 q registers; `{su}dot acc, vB.16b, vA.4b[i]` adds to lane n of acc the
// 4-deep dot product of B row n and A row i. v0-v7 hold panel loads: the loop does 2 k-blocks,
// the second one's registers are loaded while the first one computes (v5-v7, then the B
// registers freed after each group of 8 dots), which keeps in-order cores busy; a single-block
// tail handles an odd count. 24 independent accumulators cover the dot latency x throughput
// of every modelled core (N1 needs 4, V1 8).
constexpr std::string_view kDotprodAsm = R"asm(
  // zero the 24 accumulators acc(m,j) = v(8+3m+j), lanes C[m][4j..4j+3]
  movi v8.4s, #0
  movi v9.4s, #0
  movi v10.4s, #0
  movi v11.4s, #0
  movi v12.4s, #0
  movi v13.4s, #0
  movi v14.4s, #0
  movi v15.4s, #0
  movi v16.4s, #0
  movi v17.4s, #0
  movi v18.4s, #0
  movi v19.4s, #0
  movi v20.4s, #0
  movi v21.4s, #0
  movi v22.4s, #0
  movi v23.4s, #0
  movi v24.4s, #0
  movi v25.4s, #0
  movi v26.4s, #0
  movi v27.4s, #0
  movi v28.4s, #0
  movi v29.4s, #0
  movi v30.4s, #0
  movi v31.4s, #0
  subs {k}, {k}, #2
  b.lt 2f
1:
  // @mca-begin
  ldr q0, [{a}]
  ldr q1, [{a}, #16]
  ldr q2, [{b}]
  ldr q3, [{b}, #16]
  ldr q4, [{b}, #32]
  {su}dot v8.4s, v2.16b, v0.4b[0]
  {su}dot v11.4s, v2.16b, v0.4b[1]
  ldr q5, [{a}, #32]
  {su}dot v14.4s, v2.16b, v0.4b[2]
  {su}dot v17.4s, v2.16b, v0.4b[3]
  ldr q6, [{a}, #48]
  {su}dot v20.4s, v2.16b, v1.4b[0]
  {su}dot v23.4s, v2.16b, v1.4b[1]
  ldr q7, [{b}, #48]
  {su}dot v26.4s, v2.16b, v1.4b[2]
  {su}dot v29.4s, v2.16b, v1.4b[3]
  {su}dot v9.4s, v3.16b, v0.4b[0]
  {su}dot v12.4s, v3.16b, v0.4b[1]
  ldr q2, [{b}, #64]
  {su}dot v15.4s, v3.16b, v0.4b[2]
  {su}dot v18.4s, v3.16b, v0.4b[3]
  {su}dot v21.4s, v3.16b, v1.4b[0]
  {su}dot v24.4s, v3.16b, v1.4b[1]
  {su}dot v27.4s, v3.16b, v1.4b[2]
  {su}dot v30.4s, v3.16b, v1.4b[3]
  {su}dot v10.4s, v4.16b, v0.4b[0]
  {su}dot v13.4s, v4.16b, v0.4b[1]
  ldr q3, [{b}, #80]
  {su}dot v16.4s, v4.16b, v0.4b[2]
  {su}dot v19.4s, v4.16b, v0.4b[3]
  {su}dot v22.4s, v4.16b, v1.4b[0]
  {su}dot v25.4s, v4.16b, v1.4b[1]
  {su}dot v28.4s, v4.16b, v1.4b[2]
  {su}dot v31.4s, v4.16b, v1.4b[3]
  {su}dot v8.4s, v7.16b, v5.4b[0]
  {su}dot v11.4s, v7.16b, v5.4b[1]
  {su}dot v14.4s, v7.16b, v5.4b[2]
  {su}dot v17.4s, v7.16b, v5.4b[3]
  {su}dot v20.4s, v7.16b, v6.4b[0]
  {su}dot v23.4s, v7.16b, v6.4b[1]
  {su}dot v26.4s, v7.16b, v6.4b[2]
  {su}dot v29.4s, v7.16b, v6.4b[3]
  {su}dot v9.4s, v2.16b, v5.4b[0]
  {su}dot v12.4s, v2.16b, v5.4b[1]
  {su}dot v15.4s, v2.16b, v5.4b[2]
  {su}dot v18.4s, v2.16b, v5.4b[3]
  {su}dot v21.4s, v2.16b, v6.4b[0]
  {su}dot v24.4s, v2.16b, v6.4b[1]
  {su}dot v27.4s, v2.16b, v6.4b[2]
  {su}dot v30.4s, v2.16b, v6.4b[3]
  {su}dot v10.4s, v3.16b, v5.4b[0]
  {su}dot v13.4s, v3.16b, v5.4b[1]
  {su}dot v16.4s, v3.16b, v5.4b[2]
  {su}dot v19.4s, v3.16b, v5.4b[3]
  {su}dot v22.4s, v3.16b, v6.4b[0]
  {su}dot v25.4s, v3.16b, v6.4b[1]
  {su}dot v28.4s, v3.16b, v6.4b[2]
  {su}dot v31.4s, v3.16b, v6.4b[3]
  add {a}, {a}, #64
  add {b}, {b}, #96
  subs {k}, {k}, #2
  // @mca-end
  b.ge 1b
2:
  // k is now -1 (one k-block left) or -2 (none)
  tbz {k}, #0, 3f
  ldr q0, [{a}]
  ldr q1, [{a}, #16]
  ldr q2, [{b}]
  ldr q3, [{b}, #16]
  ldr q4, [{b}, #32]
  {su}dot v8.4s, v2.16b, v0.4b[0]
  {su}dot v9.4s, v3.16b, v0.4b[0]
  {su}dot v10.4s, v4.16b, v0.4b[0]
  {su}dot v11.4s, v2.16b, v0.4b[1]
  {su}dot v12.4s, v3.16b, v0.4b[1]
  {su}dot v13.4s, v4.16b, v0.4b[1]
  {su}dot v14.4s, v2.16b, v0.4b[2]
  {su}dot v15.4s, v3.16b, v0.4b[2]
  {su}dot v16.4s, v4.16b, v0.4b[2]
  {su}dot v17.4s, v2.16b, v0.4b[3]
  {su}dot v18.4s, v3.16b, v0.4b[3]
  {su}dot v19.4s, v4.16b, v0.4b[3]
  {su}dot v20.4s, v2.16b, v1.4b[0]
  {su}dot v21.4s, v3.16b, v1.4b[0]
  {su}dot v22.4s, v4.16b, v1.4b[0]
  {su}dot v23.4s, v2.16b, v1.4b[1]
  {su}dot v24.4s, v3.16b, v1.4b[1]
  {su}dot v25.4s, v4.16b, v1.4b[1]
  {su}dot v26.4s, v2.16b, v1.4b[2]
  {su}dot v27.4s, v3.16b, v1.4b[2]
  {su}dot v28.4s, v4.16b, v1.4b[2]
  {su}dot v29.4s, v2.16b, v1.4b[3]
  {su}dot v30.4s, v3.16b, v1.4b[3]
  {su}dot v31.4s, v4.16b, v1.4b[3]
3:
  stp q8, q9, [{c}]
  str q10, [{c}, #32]
  add {c}, {c}, {ldc}
  stp q11, q12, [{c}]
  str q13, [{c}, #32]
  add {c}, {c}, {ldc}
  stp q14, q15, [{c}]
  str q16, [{c}, #32]
  add {c}, {c}, {ldc}
  stp q17, q18, [{c}]
  str q19, [{c}, #32]
  add {c}, {c}, {ldc}
  stp q20, q21, [{c}]
  str q22, [{c}, #32]
  add {c}, {c}, {ldc}
  stp q23, q24, [{c}]
  str q25, [{c}, #32]
  add {c}, {c}, {ldc}
  stp q26, q27, [{c}]
  str q28, [{c}, #32]
  add {c}, {c}, {ldc}
  stp q29, q30, [{c}]
  str q31, [{c}, #32]
)asm";

// (c) FEAT_I8MM, tile 8x12x8.
// Registers: 24 int32x4 accumulators acc(i,j) = v(8+6i+j) for A row pair i (rows 2i, 2i+1) and
// B row pair j; `{su}mmla acc, vA.16b, vB.16b` with vA = 2 A rows x 8 k and vB = 2 B rows x 8 k
// (exactly the 16 contiguous bytes of the packed panels) adds the 2x2 block
// [C[2i][2j], C[2i][2j+1], C[2i+1][2j], C[2i+1][2j+1]]. Per k-block: B = 6 q registers (v2-v7),
// A = 4 q registers loaded two at a time into v0-v1 (8 registers are all that 24 accumulators
// leave; out-of-order cores rename the reuse away). Loads are ldp pairs: every i8mm core is
// out of order, and a pair is one instruction (the dotprod and Armv8.0 kernels keep single
// ldr q interleaved with the multiplies, which in-order A53/A55 issue faster). Loop of 2 k-blocks + single-block tail.
// The store de-interleaves with zip1/zip2 on 64-bit lanes: row 2i is the low halves of
// acc(i,0..5), row 2i+1 the high halves.
constexpr std::string_view kI8mmAsm = R"asm(
  // zero the 24 accumulators acc(i,j) = v(8+6i+j), lanes C[2i][2j], C[2i][2j+1], C[2i+1][2j], C[2i+1][2j+1]
  movi v8.4s, #0
  movi v9.4s, #0
  movi v10.4s, #0
  movi v11.4s, #0
  movi v12.4s, #0
  movi v13.4s, #0
  movi v14.4s, #0
  movi v15.4s, #0
  movi v16.4s, #0
  movi v17.4s, #0
  movi v18.4s, #0
  movi v19.4s, #0
  movi v20.4s, #0
  movi v21.4s, #0
  movi v22.4s, #0
  movi v23.4s, #0
  movi v24.4s, #0
  movi v25.4s, #0
  movi v26.4s, #0
  movi v27.4s, #0
  movi v28.4s, #0
  movi v29.4s, #0
  movi v30.4s, #0
  movi v31.4s, #0
  subs {k}, {k}, #2
  b.lt 2f
1:
  // @mca-begin
  ldp q0, q1, [{a}]
  ldp q2, q3, [{b}]
  ldp q4, q5, [{b}, #32]
  ldp q6, q7, [{b}, #64]
  {su}mmla v8.4s, v0.16b, v2.16b
  {su}mmla v9.4s, v0.16b, v3.16b
  {su}mmla v10.4s, v0.16b, v4.16b
  {su}mmla v11.4s, v0.16b, v5.16b
  {su}mmla v12.4s, v0.16b, v6.16b
  {su}mmla v13.4s, v0.16b, v7.16b
  {su}mmla v14.4s, v1.16b, v2.16b
  {su}mmla v15.4s, v1.16b, v3.16b
  {su}mmla v16.4s, v1.16b, v4.16b
  {su}mmla v17.4s, v1.16b, v5.16b
  {su}mmla v18.4s, v1.16b, v6.16b
  {su}mmla v19.4s, v1.16b, v7.16b
  ldp q0, q1, [{a}, #32]
  {su}mmla v20.4s, v0.16b, v2.16b
  {su}mmla v21.4s, v0.16b, v3.16b
  {su}mmla v22.4s, v0.16b, v4.16b
  {su}mmla v23.4s, v0.16b, v5.16b
  {su}mmla v24.4s, v0.16b, v6.16b
  {su}mmla v25.4s, v0.16b, v7.16b
  {su}mmla v26.4s, v1.16b, v2.16b
  {su}mmla v27.4s, v1.16b, v3.16b
  {su}mmla v28.4s, v1.16b, v4.16b
  {su}mmla v29.4s, v1.16b, v5.16b
  {su}mmla v30.4s, v1.16b, v6.16b
  {su}mmla v31.4s, v1.16b, v7.16b
  ldp q0, q1, [{a}, #64]
  ldp q2, q3, [{b}, #96]
  ldp q4, q5, [{b}, #128]
  ldp q6, q7, [{b}, #160]
  {su}mmla v8.4s, v0.16b, v2.16b
  {su}mmla v9.4s, v0.16b, v3.16b
  {su}mmla v10.4s, v0.16b, v4.16b
  {su}mmla v11.4s, v0.16b, v5.16b
  {su}mmla v12.4s, v0.16b, v6.16b
  {su}mmla v13.4s, v0.16b, v7.16b
  {su}mmla v14.4s, v1.16b, v2.16b
  {su}mmla v15.4s, v1.16b, v3.16b
  {su}mmla v16.4s, v1.16b, v4.16b
  {su}mmla v17.4s, v1.16b, v5.16b
  {su}mmla v18.4s, v1.16b, v6.16b
  {su}mmla v19.4s, v1.16b, v7.16b
  ldp q0, q1, [{a}, #96]
  {su}mmla v20.4s, v0.16b, v2.16b
  {su}mmla v21.4s, v0.16b, v3.16b
  {su}mmla v22.4s, v0.16b, v4.16b
  {su}mmla v23.4s, v0.16b, v5.16b
  {su}mmla v24.4s, v0.16b, v6.16b
  {su}mmla v25.4s, v0.16b, v7.16b
  {su}mmla v26.4s, v1.16b, v2.16b
  {su}mmla v27.4s, v1.16b, v3.16b
  {su}mmla v28.4s, v1.16b, v4.16b
  {su}mmla v29.4s, v1.16b, v5.16b
  {su}mmla v30.4s, v1.16b, v6.16b
  {su}mmla v31.4s, v1.16b, v7.16b
  add {a}, {a}, #128
  add {b}, {b}, #192
  subs {k}, {k}, #2
  // @mca-end
  b.ge 1b
2:
  // k is now -1 (one k-block left) or -2 (none)
  tbz {k}, #0, 3f
  ldp q0, q1, [{a}]
  ldp q2, q3, [{b}]
  ldp q4, q5, [{b}, #32]
  ldp q6, q7, [{b}, #64]
  {su}mmla v8.4s, v0.16b, v2.16b
  {su}mmla v9.4s, v0.16b, v3.16b
  {su}mmla v10.4s, v0.16b, v4.16b
  {su}mmla v11.4s, v0.16b, v5.16b
  {su}mmla v12.4s, v0.16b, v6.16b
  {su}mmla v13.4s, v0.16b, v7.16b
  {su}mmla v14.4s, v1.16b, v2.16b
  {su}mmla v15.4s, v1.16b, v3.16b
  {su}mmla v16.4s, v1.16b, v4.16b
  {su}mmla v17.4s, v1.16b, v5.16b
  {su}mmla v18.4s, v1.16b, v6.16b
  {su}mmla v19.4s, v1.16b, v7.16b
  ldp q0, q1, [{a}, #32]
  {su}mmla v20.4s, v0.16b, v2.16b
  {su}mmla v21.4s, v0.16b, v3.16b
  {su}mmla v22.4s, v0.16b, v4.16b
  {su}mmla v23.4s, v0.16b, v5.16b
  {su}mmla v24.4s, v0.16b, v6.16b
  {su}mmla v25.4s, v0.16b, v7.16b
  {su}mmla v26.4s, v1.16b, v2.16b
  {su}mmla v27.4s, v1.16b, v3.16b
  {su}mmla v28.4s, v1.16b, v4.16b
  {su}mmla v29.4s, v1.16b, v5.16b
  {su}mmla v30.4s, v1.16b, v6.16b
  {su}mmla v31.4s, v1.16b, v7.16b
3:
  // de-interleave: row 2i = low halves of acc(i,0..5), row 2i+1 = high halves
  zip1 v0.2d, v8.2d, v9.2d
  zip1 v1.2d, v10.2d, v11.2d
  zip1 v2.2d, v12.2d, v13.2d
  zip2 v3.2d, v8.2d, v9.2d
  zip2 v4.2d, v10.2d, v11.2d
  zip2 v5.2d, v12.2d, v13.2d
  stp q0, q1, [{c}]
  str q2, [{c}, #32]
  add {c}, {c}, {ldc}
  stp q3, q4, [{c}]
  str q5, [{c}, #32]
  add {c}, {c}, {ldc}
  zip1 v0.2d, v14.2d, v15.2d
  zip1 v1.2d, v16.2d, v17.2d
  zip1 v2.2d, v18.2d, v19.2d
  zip2 v3.2d, v14.2d, v15.2d
  zip2 v4.2d, v16.2d, v17.2d
  zip2 v5.2d, v18.2d, v19.2d
  stp q0, q1, [{c}]
  str q2, [{c}, #32]
  add {c}, {c}, {ldc}
  stp q3, q4, [{c}]
  str q5, [{c}, #32]
  add {c}, {c}, {ldc}
  zip1 v0.2d, v20.2d, v21.2d
  zip1 v1.2d, v22.2d, v23.2d
  zip1 v2.2d, v24.2d, v25.2d
  zip2 v3.2d, v20.2d, v21.2d
  zip2 v4.2d, v22.2d, v23.2d
  zip2 v5.2d, v24.2d, v25.2d
  stp q0, q1, [{c}]
  str q2, [{c}, #32]
  add {c}, {c}, {ldc}
  stp q3, q4, [{c}]
  str q5, [{c}, #32]
  add {c}, {c}, {ldc}
  zip1 v0.2d, v26.2d, v27.2d
  zip1 v1.2d, v28.2d, v29.2d
  zip1 v2.2d, v30.2d, v31.2d
  zip2 v3.2d, v26.2d, v27.2d
  zip2 v4.2d, v28.2d, v29.2d
  zip2 v5.2d, v30.2d, v31.2d
  stp q0, q1, [{c}]
  str q2, [{c}, #32]
  add {c}, {c}, {ldc}
  stp q3, q4, [{c}]
  str q5, [{c}, #32]
)asm";

const std::array<UKernel, 6> kTable = {{
    {"neon_s8_4x4x16", Kind::GemmNeon, 4, 4, 16, ir::DType::Int8, kFeatNeon, 1, kNeonAsm,
     kConstraints},
    {"neon_u8_4x4x16", Kind::GemmNeon, 4, 4, 16, ir::DType::UInt8, kFeatNeon, 1, kNeonAsm,
     kConstraints},
    {"dotprod_s8_8x12x4", Kind::GemmDotprod, 8, 12, 4, ir::DType::Int8, kFeatDotprod, 2,
     kDotprodAsm, kConstraints},
    {"dotprod_u8_8x12x4", Kind::GemmDotprod, 8, 12, 4, ir::DType::UInt8, kFeatDotprod, 2,
     kDotprodAsm, kConstraints},
    {"i8mm_s8_8x12x8", Kind::GemmI8mm, 8, 12, 8, ir::DType::Int8, kFeatI8mm, 2, kI8mmAsm,
     kConstraints},
    {"i8mm_u8_8x12x8", Kind::GemmI8mm, 8, 12, 8, ir::DType::UInt8, kFeatI8mm, 2, kI8mmAsm,
     kConstraints},
}};

// Replaces every `{name}` whose name is known; anything else (including braces) is kept.
std::string substitute(std::string_view text, bool isSigned, bool operandsToLlvm) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 5> kOperands = {{
      {"a", "$0"}, {"b", "$1"}, {"c", "$2"}, {"k", "$3"}, {"ldc", "$4"}}};
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    if (text[i] == '{') {
      size_t close = text.find('}', i);
      if (close != std::string_view::npos) {
        std::string_view name = text.substr(i + 1, close - i - 1);
        if (name == "su") {
          out += isSigned ? 's' : 'u';
          i = close + 1;
          continue;
        }
        bool replaced = false;
        for (auto &[opName, llvmRef] : kOperands) {
          if (name == opName) {
            if (operandsToLlvm)
              out += llvmRef;
            else
              out.append(text.substr(i, close - i + 1));
            replaced = true;
            break;
          }
        }
        if (replaced) {
          i = close + 1;
          continue;
        }
      }
    }
    // '$' is LLVM's operand marker; AArch64 syntax never needs a literal one, so escape it.
    if (text[i] == '$' && operandsToLlvm)
      out += '$';
    out += text[i++];
  }
  return out;
}

} // namespace

std::string UKernel::llvmAsm() const {
  return substitute(asmTemplate, dtype == ir::DType::Int8, /*operandsToLlvm=*/true);
}

std::string UKernel::expandedTemplate() const {
  return substitute(asmTemplate, dtype == ir::DType::Int8, /*operandsToLlvm=*/false);
}

std::span<const UKernel> ukernelTable() { return kTable; }

std::string_view ukernelConstraints() { return kConstraints; }

const UKernel *findUKernel(passes::ConvImpl::Kind kind, ir::DType dtype) {
  for (const UKernel &k : kTable)
    if (k.kind == kind && k.dtype == dtype)
      return &k;
  return nullptr;
}

const UKernel *findUKernel(std::string_view name) {
  for (const UKernel &k : kTable)
    if (k.name == name)
      return &k;
  return nullptr;
}

bool ukernelSupported(const UKernel &k, const passes::Target &target) {
  if (!target.isAArch64() || !target.neon)
    return false;
  if ((k.features & kFeatDotprod) && !target.dotprod)
    return false;
  if ((k.features & kFeatI8mm) && !target.i8mm)
    return false;
  return true;
}

std::string ukernelFeatureList(const UKernel &k) {
  std::string s = "neon";
  if (k.features & kFeatDotprod)
    s += ",dotprod";
  if (k.features & kFeatI8mm)
    s += ",i8mm";
  return s;
}

} // namespace mtc::codegen::aarch64
