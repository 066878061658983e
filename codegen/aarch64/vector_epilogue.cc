// mtc — NEON vector form of a GEMM convolution's fused epilogue.
//
// The scalar epilogue (Epilogue::applyAndStore, vectorized by LLVM's loop vectorizer) computes
// the fixed-point multiply in 64-bit lanes with selects, about 18 instructions per output. This
// form runs the chain 4 channels at a time in 32-bit lanes, with the instructions gemmlowp's
// rounding maps to exactly: sqshl, sqrdmulh, and an and/sshr/sqadd fix-up before srshl
// (RoundingDivideByPOT). Every step reproduces the evaluator's rule bit for bit; anything
// without an exact vector form here keeps the scalar path (plan() says why).
// SPDX-License-Identifier: Apache-2.0
#include "codegen/aarch64/vector_epilogue.h"

#include "codegen/lower_ops.h"
#include "ir/check.h"
#include "ir/ops/attrs.h"
#include "ir/quant.h"

#include <llvm/IR/GlobalVariable.h>
#include <llvm/IR/Intrinsics.h>
#include <llvm/IR/IntrinsicsAArch64.h>

#include <cmath>
#include <cstring>

namespace mtc::codegen::aarch64 {
namespace {

using ir::DType;
constexpr int kLanes = 4;

/// The elements of a compile-time constant operand (a Constant node, an immediate scalar leaf,
/// or a leaf bound to a constant global), as int64, or nullopt if `e` is a run-time value.
std::optional<std::vector<int64_t>> constantValues(InlineEmitter &em, ir::Expr e) {
  e = resolveAlias(e);
  if (const auto *c = ir::dyn<ir::ConstantNode>(e)) {
    if (c->value.dtype() == DType::Float32) return std::nullopt;
    std::vector<int64_t> v(static_cast<size_t>(c->value.numElements()));
    for (size_t i = 0; i < v.size(); ++i) v[i] = c->value.intAt(static_cast<int64_t>(i));
    return v;
  }
  const LeafValue *l = em.leaf(e);
  if (!l) return std::nullopt;
  if (l->isScalar) {
    if (auto *ci = llvm::dyn_cast<llvm::ConstantInt>(l->scalar.v))
      return std::vector<int64_t>{ci->getSExtValue()};
    return std::nullopt;
  }
  // A constant slot is bound to a constant global whose initializer is the tensor's bytes.
  auto *gv = llvm::dyn_cast_or_null<llvm::GlobalVariable>(l->buffer.ptr);
  if (!gv || !gv->isConstant() || !gv->hasInitializer()) return std::nullopt;
  auto *data = llvm::dyn_cast<llvm::ConstantDataSequential>(gv->getInitializer());
  const DType t = l->buffer.dtype;
  if (!data || t == DType::Float32 || t == DType::Bool) return std::nullopt;
  llvm::StringRef raw = data->getRawDataValues();
  const size_t w = static_cast<size_t>(ir::dtypeBytes(t)), n = raw.size() / w;
  std::vector<int64_t> v(n);
  for (size_t i = 0; i < n; ++i) {
    int64_t x = 0;
    switch (t) {
    case DType::Int8: x = static_cast<int8_t>(raw[i]); break;
    case DType::UInt8: x = static_cast<uint8_t>(raw[i]); break;
    case DType::Int16: { int16_t y; std::memcpy(&y, raw.data() + 2 * i, 2); x = y; break; }
    case DType::Int32: { int32_t y; std::memcpy(&y, raw.data() + 4 * i, 4); x = y; break; }
    case DType::Int64: std::memcpy(&x, raw.data() + 8 * i, 8); break;
    default: return std::nullopt;
    }
    v[i] = x;
  }
  return v;
}

struct Planner {
  Epilogue &ep;
  std::string why;
  int64_t channels;
  size_t rank;

  bool fail(std::string w) {
    why = std::move(w);
    return false;
  }

  // Classifies operand `e` of an op on the chain (numpy broadcasting against the output).
  bool operand(ir::Expr e, VecOperand &o) {
    InlineEmitter &em = ep.emitter();
    const ir::Shape &s = shapeOf(e);
    if (dtypeOf(e) != DType::Int32) return fail("an operand is not int32");
    if (s.size() > rank) return fail("an operand has a higher rank than the output");
    int64_t n = 1;
    for (int64_t d : s) n *= d;
    const bool alongChannels = !s.empty() && s.back() != 1;
    if (!alongChannels) {
      if (n == 1)
        if (auto v = constantValues(em, e)) {
          o.kind = VecOperand::Kind::Splat;
          o.splat = v->at(0);
          return true;
        }
      o.kind = VecOperand::Kind::Row;
      o.expr = e;
      return true;
    }
    if (n != channels) return fail("an operand varies along both pixels and channels");
    auto v = constantValues(em, e);
    if (!v || static_cast<int64_t>(v->size()) != channels)
      return fail("a per-channel operand is not a compile-time constant");
    o.kind = VecOperand::Kind::Channel;
    o.channel = std::move(*v);
    return true;
  }

  // A per-channel vector of an op with an axis attribute (bias_add, the per-axis multiply).
  bool axisOperand(ir::Expr e, int64_t axis, VecOperand &o) {
    if (axis < 0) axis += static_cast<int64_t>(rank);
    if (axis != static_cast<int64_t>(rank) - 1) return fail("the op's axis is not the channel axis");
    return operand(e, o);
  }

  static VecOperand fromValues(std::vector<int64_t> v) {
    VecOperand o;
    bool same = true;
    for (int64_t x : v) same = same && x == v[0];
    if (same) {
      o.splat = v[0];
    } else {
      o.kind = VecOperand::Kind::Channel;
      o.channel = std::move(v);
    }
    return o;
  }

  // The fixed-point multiply with constant multipliers and shifts (one per channel or one).
  bool fixedPoint(const std::vector<int64_t> &q, const std::vector<int64_t> &shift,
                  ir::Rounding r, VecStep &st) {
    if (r == ir::Rounding::TFLite) {
      std::vector<int64_t> left, negRight;
      for (int64_t s : shift) {
        if (s < -31 || s > 31) return fail("a shift beyond ±31");
        left.push_back(std::max<int64_t>(s, 0));
        negRight.push_back(-std::max<int64_t>(-s, 0));
      }
      st.kind = VecStep::Kind::FpmTflite;
      st.hasLeft = false;
      for (int64_t l : left) st.hasLeft = st.hasLeft || l != 0;
      st.q = fromValues(q);
      st.left = fromValues(std::move(left));
      st.negRight = fromValues(std::move(negRight));
      return true;
    }
    std::vector<int64_t> rs;
    for (int64_t s : shift) {
      if (s < -31 || s > 30) return fail("a shift outside [-31, 30]");
      rs.push_back(31 - s);
    }
    st.kind = VecStep::Kind::FpmRound;
    st.tiesAway = r == ir::Rounding::ToNearest;
    st.q = fromValues(q);
    st.rshift = fromValues(std::move(rs));
    return true;
  }

  bool step(const ir::CallNode *call, ir::Expr chainArg, VecStep &st, std::string &name) {
    const std::string &op = call->op->name;
    name = op;
    auto other = [&]() { return call->args[0] == chainArg ? call->args[1] : call->args[0]; };
    if (op == "add" || op == "maximum" || op == "minimum") {
      st.kind = op == "add" ? VecStep::Kind::Add
                : op == "maximum" ? VecStep::Kind::Max : VecStep::Kind::Min;
      return operand(other(), st.a);
    }
    if (op == "subtract") {
      if (call->args[0] == chainArg) {
        if (!operand(call->args[1], st.a)) return false;
        // x - c == x + (-c) modulo 2^32.
        st.kind = VecStep::Kind::Add;
        if (st.a.kind == VecOperand::Kind::Splat) {
          st.a.splat = -st.a.splat;
          return true;
        }
        if (st.a.kind == VecOperand::Kind::Channel) {
          for (int64_t &x : st.a.channel) x = -x;
          return true;
        }
        st.kind = VecStep::Kind::Sub;
        return true;
      }
      st.kind = VecStep::Kind::SubFrom;
      return operand(call->args[0], st.a);
    }
    if (op == "nn.bias_add") {
      st.kind = VecStep::Kind::Add;
      return axisOperand(call->args[1], call->attrsAs<ir::BiasAddAttrs>().axis, st.a);
    }
    if (op == "nn.relu") {
      st.kind = VecStep::Kind::Max;
      return true; // splat 0
    }
    if (op == "clip") {
      const auto &a = call->attrsAs<ir::ClipAttrs>();
      // clip = max(min(x, floor(a_max)), ceil(a_min)), both saturated to int32.
      auto bound = [](double v) {
        if (v <= -2147483648.0) return int64_t(INT32_MIN);
        if (v >= 2147483647.0) return int64_t(INT32_MAX);
        return static_cast<int64_t>(v);
      };
      VecStep hi;
      hi.kind = VecStep::Kind::Min;
      hi.a.splat = bound(std::floor(a.a_max));
      st.kind = VecStep::Kind::Max;
      st.a.splat = bound(std::ceil(a.a_min));
      extraBefore = hi;
      return true;
    }
    if (op == "fixed_point_multiply") {
      const auto &a = call->attrsAs<ir::FixedPointMultiplyAttrs>();
      return fixedPoint({a.multiplier}, {a.shift}, *ir::parseRounding(a.rounding), st);
    }
    if (op == "fixed_point_multiply_per_axis") {
      const auto &a = call->attrsAs<ir::FixedPointMultiplyPerAxisAttrs>();
      VecOperand q, s;
      if (!axisOperand(call->args[1], a.axis, q) || !axisOperand(call->args[2], a.axis, s))
        return false;
      if (q.kind == VecOperand::Kind::Row || s.kind == VecOperand::Kind::Row)
        return fail("multipliers or shifts are not compile-time constants");
      auto values = [&](const VecOperand &o) {
        return o.kind == VecOperand::Kind::Splat ? std::vector<int64_t>(channels, o.splat) : o.channel;
      };
      return fixedPoint(values(q), values(s), *ir::parseRounding(a.rounding), st);
    }
    return fail("'" + op + "' has no vector form");
  }

  std::optional<VecStep> extraBefore;
};

} // namespace

std::optional<VectorEpilogue> VectorEpilogue::plan(Epilogue &ep, std::string *whyNot) {
  auto no = [&](std::string w) {
    if (whyNot) *whyNot = std::move(w);
    return std::optional<VectorEpilogue>();
  };
  const ir::Shape &shape = ep.shape();
  if (ep.isIdentity()) return no("nothing is fused");
  if (shape.empty() || ep.accDType() != DType::Int32) return no("the accumulator is not int32");
  const DType out = ep.outDType();
  if (out != DType::Int8 && out != DType::UInt8 && out != DType::Int16 && out != DType::Int32)
    return no("the output dtype is not an 8, 16 or 32-bit integer");
  Planner pl{ep, {}, shape.back(), shape.size()};
  // The chain from the root down to the anchor: each op has exactly one operand on it.
  std::vector<std::pair<const ir::CallNode *, ir::Expr>> chain;
  ir::Expr e = resolveAlias(ep.root());
  while (e != ep.anchor()) {
    const auto *call = ir::dyn<ir::CallNode>(e);
    if (!call || !call->op) return no("the epilogue is not a chain of op calls");
    ir::Expr next = nullptr;
    for (ir::Expr a : call->args) {
      ir::Expr r = resolveAlias(a);
      if (r == ep.anchor() || (ir::dyn<ir::CallNode>(r) && !ep.emitter().leaf(r))) {
        if (next) return no("'" + call->op->name + "' has two operands computed in the epilogue");
        next = r;
      }
    }
    if (!next) return no("the epilogue does not reach the convolution");
    chain.push_back({call, next});
    e = next;
  }
  VectorEpilogue v;
  v.ep_ = &ep;
  v.channels_ = shape.back();
  v.out_ = out;
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
    const ir::CallNode *call = it->first;
    const bool last = std::next(it) == chain.rend();
    if (call->op->name == "cast") {
      // Only the final narrowing: int32 -> the output dtype, a truncation.
      if (!last || dtypeOf(it->second) != DType::Int32) return no("a cast inside the chain");
      v.names_.push_back("narrow to " + std::string(ir::dtypeName(out)));
      continue;
    }
    if (dtypeOf(call) != DType::Int32) return no("'" + call->op->name + "' is not on int32");
    VecStep st;
    std::string name;
    pl.extraBefore.reset();
    if (!pl.step(call, it->second, st, name)) return no(pl.why);
    if (pl.extraBefore) v.steps_.push_back(*pl.extraBefore);
    v.steps_.push_back(std::move(st));
    v.names_.push_back(name);
  }
  if (dtypeOf(ep.root()) != out) return no("the chain's result is not the output dtype");
  if (out != DType::Int32 && (v.names_.empty() || v.names_.back().rfind("narrow", 0) != 0))
    return no("the chain does not end in a cast");
  v.saturatingNarrow();
  return v;
}

// requantize ends in clip(x, lo, hi) + zp and a cast, with [lo + zp, hi + zp] exactly the
// output dtype's range. Then clamp-then-add equals saturating-add-then-clamp to that range
// (the saturation only acts where the clamp does), and a clamp to the range of the narrower
// type right before the truncation is what AArch64's saturating narrows (sqxtn / sqxtun) do:
// two instructions per 8 lanes instead of smin, smax, add and the plain narrows.
void VectorEpilogue::saturatingNarrow() {
  const size_t n = steps_.size();
  if (out_ == DType::Int32 || n < 3) return;
  VecStep &hi = steps_[n - 3], &lo = steps_[n - 2], &add = steps_[n - 1];
  auto splat = [](const VecStep &s, VecStep::Kind k) {
    return s.kind == k && s.a.kind == VecOperand::Kind::Splat;
  };
  if (!splat(hi, VecStep::Kind::Min) || !splat(lo, VecStep::Kind::Max) ||
      !splat(add, VecStep::Kind::Add))
    return;
  const int64_t zp = add.a.splat;
  if (lo.a.splat + zp != ir::dtypeMin(out_) || hi.a.splat + zp != ir::dtypeMax(out_)) return;
  VecStep sat = add;
  sat.kind = VecStep::Kind::AddSat;
  steps_.resize(n - 3);
  steps_.push_back(sat);
  satNarrow_ = true;
}

llvm::Value *VectorEpilogue::lanes(Builder &b, const VecOperand &o, const Index &rowIdx,
                                   llvm::Value *n0, int64_t chunk, llvm::Type *elem) {
  auto *vt = llvm::FixedVectorType::get(elem, kLanes);
  switch (o.kind) {
  case VecOperand::Kind::Splat:
    return llvm::ConstantInt::get(vt, static_cast<uint64_t>(o.splat), /*isSigned=*/true);
  case VecOperand::Kind::Row: {
    InlineEmitter &em = ep_->emitter();
    em.clearCache();
    TypedValue s = em.emitBroadcast(o.expr, rowIdx);
    em.clearCache();
    llvm::Value *x = b.CreateSExtOrTrunc(s.v, elem);
    return b.CreateVectorSplat(kLanes, x);
  }
  case VecOperand::Kind::Channel: {
    // Padded to a multiple of 4 lanes, so the last chunk of a tile row reads in bounds.
    const int64_t padded = (channels_ + kLanes - 1) / kLanes * kLanes;
    const DType t = elem->getIntegerBitWidth() == 64 ? DType::Int64 : DType::Int32;
    ir::Tensor c = ir::Tensor::zeros({padded}, t);
    for (int64_t i = 0; i < channels_; ++i) c.setInt(i, o.channel[static_cast<size_t>(i)]);
    llvm::Value *base = ep_->emitter().env().constants.get(c);
    llvm::Value *at = b.CreateAdd(n0, i64(b, chunk * kLanes));
    llvm::Value *p = b.CreateInBoundsGEP(elem, base, at);
    return b.CreateAlignedLoad(vt, p, llvm::Align(elem->getIntegerBitWidth() / 8));
  }
  }
  MTC_UNREACHABLE("bad operand kind");
}

void VectorEpilogue::emitRow(Builder &b, llvm::Value *acc, const Index &rowIdx, llvm::Value *n0,
                             int64_t cols, llvm::Value *out) {
  llvm::Type *i32 = b.getInt32Ty(), *i64t = b.getInt64Ty();
  auto *v4 = llvm::FixedVectorType::get(i32, kLanes);
  auto *v4x64 = llvm::FixedVectorType::get(i64t, kLanes);
  llvm::Type *outElem = elemType(b.getContext(), out_);
  const int64_t outBytes = ir::dtypeBytes(out_);
  auto neon = [&](llvm::Intrinsic::ID id, llvm::Value *x, llvm::Value *y) {
    return b.CreateIntrinsic(id, {v4}, {x, y});
  };
  std::vector<llvm::Value *> vals; // each chunk's int32 result
  for (int64_t chunk = 0; chunk * kLanes < cols; ++chunk) {
    llvm::Value *x = b.CreateAlignedLoad(
        v4, b.CreateInBoundsGEP(i32, acc, i64(b, chunk * kLanes)), llvm::Align(4));
    for (const VecStep &st : steps_) {
      switch (st.kind) {
      case VecStep::Kind::Add: x = b.CreateAdd(x, lanes(b, st.a, rowIdx, n0, chunk, i32)); break;
      case VecStep::Kind::Sub: x = b.CreateSub(x, lanes(b, st.a, rowIdx, n0, chunk, i32)); break;
      case VecStep::Kind::AddSat:
        x = b.CreateBinaryIntrinsic(llvm::Intrinsic::sadd_sat, x, lanes(b, st.a, rowIdx, n0, chunk, i32));
        break;
      case VecStep::Kind::SubFrom: x = b.CreateSub(lanes(b, st.a, rowIdx, n0, chunk, i32), x); break;
      case VecStep::Kind::Max:
        x = b.CreateBinaryIntrinsic(llvm::Intrinsic::smax, x, lanes(b, st.a, rowIdx, n0, chunk, i32));
        break;
      case VecStep::Kind::Min:
        x = b.CreateBinaryIntrinsic(llvm::Intrinsic::smin, x, lanes(b, st.a, rowIdx, n0, chunk, i32));
        break;
      case VecStep::Kind::FpmTflite: {
        // Saturating x·2^left (shift amounts 0..31), SaturatingRoundingDoublingHighMul, then
        // RoundingDivideByPOT: srshl rounds ties up, so negative values first get -1 (sqadd).
        if (st.hasLeft) x = neon(llvm::Intrinsic::aarch64_neon_sqshl, x, lanes(b, st.left, rowIdx, n0, chunk, i32));
        x = neon(llvm::Intrinsic::aarch64_neon_sqrdmulh, x, lanes(b, st.q, rowIdx, n0, chunk, i32));
        llvm::Value *nr = lanes(b, st.negRight, rowIdx, n0, chunk, i32);
        llvm::Value *fix = b.CreateAShr(b.CreateAnd(x, nr), llvm::ConstantInt::get(v4, 31));
        x = b.CreateBinaryIntrinsic(llvm::Intrinsic::sadd_sat, x, fix);
        x = neon(llvm::Intrinsic::aarch64_neon_srshl, x, nr);
        break;
      }
      case VecStep::Kind::FpmRound: {
        // Exact: p = x·q in 64 bits (|p| <= 2^62), + 2^(rs-1) (- 1 for negative p on
        // TONEAREST), arithmetic shift by rs in [1, 62], then saturate to int32.
        llvm::Value *p = b.CreateMul(b.CreateSExt(x, v4x64),
                                     b.CreateSExt(lanes(b, st.q, rowIdx, n0, chunk, i32), v4x64));
        llvm::Value *rs = lanes(b, st.rshift, rowIdx, n0, chunk, i64t);
        llvm::Value *half = b.CreateShl(llvm::ConstantInt::get(v4x64, 1),
                                        b.CreateSub(rs, llvm::ConstantInt::get(v4x64, 1)));
        llvm::Value *sum = b.CreateAdd(p, half);
        if (st.tiesAway) sum = b.CreateAdd(sum, b.CreateAShr(p, llvm::ConstantInt::get(v4x64, 63)));
        llvm::Value *r = b.CreateAShr(sum, rs);
        r = b.CreateBinaryIntrinsic(llvm::Intrinsic::smax, r, llvm::ConstantInt::get(v4x64, uint64_t(int64_t(INT32_MIN)), true));
        r = b.CreateBinaryIntrinsic(llvm::Intrinsic::smin, r, llvm::ConstantInt::get(v4x64, INT32_MAX));
        x = b.CreateTrunc(r, v4);
        break;
      }
      }
    }
    vals.push_back(x);
  }
  // Stores `lanes` of `v` (elements of the output type) at output lane `first`, `valid` of them.
  auto store = [&](llvm::Value *v, int64_t first, int64_t valid) {
    const auto width = static_cast<int64_t>(llvm::cast<llvm::FixedVectorType>(v->getType())->getNumElements());
    llvm::Value *dst = b.CreateInBoundsGEP(outElem, out, i64(b, first));
    if (valid == width) {
      b.CreateAlignedStore(v, dst, llvm::Align(outBytes));
      return;
    }
    if (valid == kLanes && width == 2 * kLanes) {
      b.CreateAlignedStore(b.CreateShuffleVector(v, {0, 1, 2, 3}), dst, llvm::Align(outBytes));
      return;
    }
    for (int64_t j = 0; j < valid; ++j)
      b.CreateAlignedStore(b.CreateExtractElement(v, j),
                           b.CreateInBoundsGEP(outElem, out, i64(b, first + j)), llvm::Align(outBytes));
  };
  auto validAt = [&](int64_t first, int64_t width) { return std::min<int64_t>(width, cols - first); };
  auto *v4x16 = llvm::FixedVectorType::get(b.getInt16Ty(), kLanes);
  auto sqxtn16 = [&](llvm::Value *v) {
    return b.CreateIntrinsic(llvm::Intrinsic::aarch64_neon_sqxtn, {v4x16}, {v});
  };
  if (satNarrow_ && (out_ == DType::Int8 || out_ == DType::UInt8)) {
    // Pairs of chunks: sqxtn + sqxtn2 to 8 x int16, then sqxtn / sqxtun to 8 bytes.
    auto *v8x8 = llvm::FixedVectorType::get(b.getInt8Ty(), 2 * kLanes);
    for (size_t c = 0; c < vals.size(); c += 2) {
      llvm::Value *lo16 = sqxtn16(vals[c]);
      llvm::Value *hi16 = c + 1 < vals.size() ? sqxtn16(vals[c + 1]) : lo16;
      llvm::Value *w16 = b.CreateShuffleVector(lo16, hi16, {0, 1, 2, 3, 4, 5, 6, 7});
      auto id = out_ == DType::Int8 ? llvm::Intrinsic::aarch64_neon_sqxtn
                                    : llvm::Intrinsic::aarch64_neon_sqxtun;
      const int64_t first = static_cast<int64_t>(c) * kLanes;
      store(b.CreateIntrinsic(id, {v8x8}, {w16}), first, validAt(first, 2 * kLanes));
    }
    return;
  }
  for (size_t c = 0; c < vals.size(); ++c) {
    llvm::Value *x = vals[c];
    llvm::Value *res = out_ == DType::Int32                       ? x
                       : satNarrow_ && out_ == DType::Int16 ? sqxtn16(x)
                           : b.CreateTrunc(x, llvm::FixedVectorType::get(outElem, kLanes));
    const int64_t first = static_cast<int64_t>(c) * kLanes;
    store(res, first, validAt(first, kLanes));
  }
}

} // namespace mtc::codegen::aarch64
