// mtc — im2col and interleave of one A panel in a single pass (the packing half of the GEMM
// convolution lowering).
//
// The panel of a row block holds kBlocks blocks of tileM x tileK bytes; byte (mi, k) of the
// block's im2col matrix lives at ((k / tileK)·tileM + mi)·tileK + k % tileK. A "unit" is the
// tileK bytes of one row inside one block: it is moved as one integer (or a 16-byte vector), so
// the packing never touches single bytes and needs no division in its loops. Out-of-image
// positions (padding) read a row of IC zeros through a selected pointer, so the copies stay
// branch-free and the padded input is never materialised.
// SPDX-License-Identifier: Apache-2.0
#include "codegen/gemm_conv.h"

#include "ir/check.h"

#include <llvm/IR/DerivedTypes.h>

#include <vector>

namespace mtc::codegen {

namespace {

// 4- and 8-byte units are plain integers (one ldr w/x); 16-byte units a vector (one ldr q).
llvm::Type *unitType(Builder &b, int64_t tileK) {
  if (tileK == 16) return llvm::FixedVectorType::get(b.getInt8Ty(), 16);
  return b.getIntNTy(static_cast<unsigned>(tileK * 8));
}

llvm::Value *bytePtr(Builder &b, llvm::Value *base, llvm::Value *offset) {
  // Not inbounds: a pointer to an out-of-image pixel is formed before the select drops it.
  return b.CreateGEP(b.getInt8Ty(), base, offset);
}

void copyUnit(Builder &b, llvm::Type *unit, llvm::Value *dst, llvm::Value *src) {
  llvm::LoadInst *v = b.CreateAlignedLoad(unit, src, llvm::Align(1));
  b.CreateAlignedStore(v, dst, llvm::Align(1));
}

void emitIfElse(Builder &b, llvm::Value *cond, const std::function<void()> &then,
                const std::function<void()> &otherwise) {
  llvm::Function *fn = b.GetInsertBlock()->getParent();
  llvm::LLVMContext &c = b.getContext();
  auto *thenBB = llvm::BasicBlock::Create(c, "then", fn);
  auto *elseBB = llvm::BasicBlock::Create(c, "else", fn);
  auto *join = llvm::BasicBlock::Create(c, "endif", fn);
  b.CreateCondBr(cond, thenBB, elseBB);
  b.SetInsertPoint(thenBB);
  then();
  b.CreateBr(join);
  b.SetInsertPoint(elseBB);
  otherwise();
  b.CreateBr(join);
  b.SetInsertPoint(join);
}

struct Packer {
  Builder &b;
  const GemmConvPlan &p;
  const ir::Conv2DGeometry &g;
  llvm::Value *image;   // first byte of this batch image
  llvm::Value *padRow; // IC bytes of the pad value (0 unless the op has pad_value)
  int64_t tileM, tileK;
  llvm::Type *unit;

  // Top-left input position of output row m (may be negative with padding).
  std::pair<llvm::Value *, llvm::Value *> origin(llvm::Value *m) {
    llvm::Value *oh = b.CreateUDiv(m, i64(b, g.outW));
    llvm::Value *ow = b.CreateURem(m, i64(b, g.outW));
    return {b.CreateSub(b.CreateMul(oh, i64(b, g.strideH)), i64(b, g.padTop)),
            b.CreateSub(b.CreateMul(ow, i64(b, g.strideW)), i64(b, g.padLeft))};
  }

  llvm::Value *pixel(llvm::Value *ih, llvm::Value *iw) {
    llvm::Value *pix = b.CreateAdd(b.CreateMul(ih, i64(b, g.inW)), iw);
    return bytePtr(b, image, b.CreateMul(pix, i64(b, g.inC)));
  }

  // The tap's input pixel, or the pad row when it lies in the padding.
  llvm::Value *tapSource(llvm::Value *ih, llvm::Value *iw) {
    llvm::Value *inside = b.CreateAnd(b.CreateICmpULT(ih, i64(b, g.inH)),
                                      b.CreateICmpULT(iw, i64(b, g.inW)));
    return b.CreateSelect(inside, pixel(ih, iw), padRow);
  }

  // Units [0, count) of each row pointer into consecutive blocks starting at `dst`. The row
  // loop is unrolled so that each iteration moves one whole block; 4- and 8-byte units go
  // 16 bytes per row at a time through a register transpose first.
  void copyUnits(llvm::Value *dst, const std::vector<llvm::Value *> &rows, int64_t count) {
    const int64_t group = 16 / tileK; // units per 16-byte load
    int64_t done = 0;
    if (group > 1 && tileM % group == 0 && count >= group) {
      done = count / group * group;
      emitLoop(b, 0, done, group, [&](llvm::Value *u) { transposeGroup(dst, rows, u, group); },
               "unit16");
    }
    emitLoop(b, done, count, 1, [&](llvm::Value *u) {
      llvm::Value *srcOff = b.CreateMul(u, i64(b, tileK));
      llvm::Value *blk = bytePtr(b, dst, b.CreateMul(u, i64(b, tileM * tileK)));
      for (int64_t mi = 0; mi < tileM; ++mi)
        copyUnit(b, unit, bytePtr(b, blk, i64(b, mi * tileK)), bytePtr(b, rows[mi], srcOff));
    }, "unit");
  }

  // Units [u, u + group) of every row: one 16-byte load per row, then for each unit j the
  // vector of unit j of `group` consecutive rows (a 4x4 transpose of 32-bit lanes for 4-byte
  // units, 2x2 of 64-bit lanes for 8-byte units: trn/zip), stored as 16 contiguous bytes of
  // block u + j.
  void transposeGroup(llvm::Value *dst, const std::vector<llvm::Value *> &rows, llvm::Value *u,
                      int64_t group) {
    auto *vecTy = llvm::FixedVectorType::get(b.getIntNTy(static_cast<unsigned>(tileK * 8)),
                                             static_cast<unsigned>(group));
    llvm::Value *srcOff = b.CreateMul(u, i64(b, tileK));
    std::vector<llvm::Value *> v;
    for (int64_t mi = 0; mi < tileM; ++mi)
      v.push_back(b.CreateAlignedLoad(vecTy, bytePtr(b, rows[mi], srcOff), llvm::Align(1)));
    llvm::Value *blk0 = bytePtr(b, dst, b.CreateMul(u, i64(b, tileM * tileK)));
    for (int64_t r0 = 0; r0 < tileM; r0 += group) {
      std::vector<llvm::Value *> out(static_cast<size_t>(group));
      if (group == 2) {
        out[0] = b.CreateShuffleVector(v[r0], v[r0 + 1], llvm::ArrayRef<int>{0, 2});
        out[1] = b.CreateShuffleVector(v[r0], v[r0 + 1], llvm::ArrayRef<int>{1, 3});
      } else {
        MTC_CHECK(group == 4) << "unit group " << group;
        llvm::Value *a = b.CreateShuffleVector(v[r0], v[r0 + 1], llvm::ArrayRef<int>{0, 4, 2, 6});
        llvm::Value *c = b.CreateShuffleVector(v[r0], v[r0 + 1], llvm::ArrayRef<int>{1, 5, 3, 7});
        llvm::Value *e = b.CreateShuffleVector(v[r0 + 2], v[r0 + 3], llvm::ArrayRef<int>{0, 4, 2, 6});
        llvm::Value *f = b.CreateShuffleVector(v[r0 + 2], v[r0 + 3], llvm::ArrayRef<int>{1, 5, 3, 7});
        out[0] = b.CreateShuffleVector(a, e, llvm::ArrayRef<int>{0, 1, 4, 5});
        out[1] = b.CreateShuffleVector(c, f, llvm::ArrayRef<int>{0, 1, 4, 5});
        out[2] = b.CreateShuffleVector(a, e, llvm::ArrayRef<int>{2, 3, 6, 7});
        out[3] = b.CreateShuffleVector(c, f, llvm::ArrayRef<int>{2, 3, 6, 7});
      }
      for (int64_t j = 0; j < group; ++j)
        b.CreateAlignedStore(out[static_cast<size_t>(j)],
                             bytePtr(b, blk0, i64(b, j * tileM * tileK + r0 * tileK)),
                             llvm::Align(1));
    }
  }

  void units(llvm::Value *panel, llvm::Value *m0, int64_t rows) {
    const int64_t perTap = g.inC / tileK;
    if (p.pointwise) {
      std::vector<llvm::Value *> src(tileM, padRow);
      for (int64_t mi = 0; mi < rows; ++mi)
        src[mi] = bytePtr(b, image, b.CreateMul(b.CreateAdd(m0, i64(b, mi)), i64(b, g.inC)));
      copyUnits(panel, src, perTap);
      return;
    }
    std::vector<std::pair<llvm::Value *, llvm::Value *>> orig;
    for (int64_t mi = 0; mi < rows; ++mi) orig.push_back(origin(b.CreateAdd(m0, i64(b, mi))));
    emitLoop(b, 0, g.kH, 1, [&](llvm::Value *kh) {
      emitLoop(b, 0, g.kW, 1, [&](llvm::Value *kw) {
        llvm::Value *dh = b.CreateMul(kh, i64(b, g.dilationH));
        llvm::Value *dw = b.CreateMul(kw, i64(b, g.dilationW));
        std::vector<llvm::Value *> src(tileM, padRow);
        for (int64_t mi = 0; mi < rows; ++mi)
          src[mi] = tapSource(b.CreateAdd(orig[mi].first, dh), b.CreateAdd(orig[mi].second, dw));
        llvm::Value *tap = b.CreateAdd(b.CreateMul(kh, i64(b, g.kW)), kw);
        copyUnits(bytePtr(b, panel, b.CreateMul(tap, i64(b, perTap * tileM * tileK))), src,
                  perTap);
      }, "kw");
    }, "kh");
  }

  void copyBytes(llvm::Value *dst, llvm::Value *src, int64_t n) {
    b.CreateMemCpy(dst, llvm::Align(1), src, llvm::Align(1), static_cast<uint64_t>(n));
  }

  // Row m of the im2col matrix into rowBuf[0, K).
  void buildRow(llvm::Value *rowBuf, llvm::Value *m) {
    if (p.pointwise) {
      copyBytes(rowBuf, bytePtr(b, image, b.CreateMul(m, i64(b, g.inC))), g.inC);
      return;
    }
    auto [ih0, iw0] = origin(m);
    emitLoop(b, 0, g.kH, 1, [&](llvm::Value *kh) {
      llvm::Value *ih = b.CreateAdd(ih0, b.CreateMul(kh, i64(b, g.dilationH)));
      llvm::Value *rowDst = bytePtr(b, rowBuf, b.CreateMul(kh, i64(b, g.kW * g.inC)));
      auto perTap = [&] {
        emitLoop(b, 0, g.kW, 1, [&](llvm::Value *kw) {
          llvm::Value *iw = b.CreateAdd(iw0, b.CreateMul(kw, i64(b, g.dilationW)));
          copyBytes(bytePtr(b, rowDst, b.CreateMul(kw, i64(b, g.inC))), tapSource(ih, iw), g.inC);
        }, "kw");
      };
      if (g.dilationW != 1 || g.kW == 1) {
        perTap();
        return;
      }
      // A kernel row entirely inside the image is KW·IC contiguous input bytes.
      llvm::Value *inside = b.CreateAnd(
          b.CreateICmpULT(ih, i64(b, g.inH)),
          b.CreateAnd(b.CreateICmpSGE(iw0, i64(b, 0)),
                      b.CreateICmpSLE(iw0, i64(b, g.inW - g.kW))));
      emitIfElse(b, inside, [&] { copyBytes(rowDst, pixel(ih, iw0), g.kW * g.inC); }, perTap);
    }, "kh");
  }

  void rowsMode(llvm::Value *panel, llvm::Value *m0, int64_t rows, llvm::Value *rowBuf) {
    // Rows past M stay zero: the caller zeroes the panel of a partial block.
    emitLoop(b, 0, rows, 1, [&](llvm::Value *mi) {
      buildRow(rowBuf, b.CreateAdd(m0, mi));
      llvm::Value *dst = bytePtr(b, panel, b.CreateMul(mi, i64(b, tileK)));
      emitLoop(b, 0, p.kBlocks, 1, [&](llvm::Value *kb) {
        copyUnit(b, unit, bytePtr(b, dst, b.CreateMul(kb, i64(b, tileM * tileK))),
                 bytePtr(b, rowBuf, b.CreateMul(kb, i64(b, tileK))));
      }, "kb");
    }, "row");
  }
};

} // namespace

void emitGemmPackPanel(Builder &b, const GemmConvPlan &p, const Buffer &data, llvm::Value *batch,
                       llvm::Value *m0, int64_t rows, llvm::Value *panel, llvm::Value *padRow,
                       llvm::Value *rowBuf) {
  const ir::Conv2DGeometry &g = p.g;
  const int64_t tileM = p.kernel->tileM, tileK = p.kernel->tileK;
  MTC_CHECK(rows >= 1 && rows <= tileM) << "bad row count " << rows;
  llvm::Value *image = bytePtr(b, data.ptr, b.CreateMul(batch, i64(b, g.inH * g.inW * g.inC)));
  Packer pk{b, p, g, image, padRow, tileM, tileK, unitType(b, tileK)};
  if (p.packing == GemmPacking::Units) pk.units(panel, m0, rows);
  else pk.rowsMode(panel, m0, rows, rowBuf);
}

} // namespace mtc::codegen
