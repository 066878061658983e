// mtc — integer value ranges (interval analysis) for SimplifyExpr.
// SPDX-License-Identifier: Apache-2.0
#include "passes/value_range.h"

#include "ir/op.h"
#include "ir/ops/attrs.h"

#include <algorithm>
#include <cmath>

namespace mtc::passes {
namespace {

bool isIntTensor(const ir::Type &t) {
  return t.isTensor() && (ir::isInteger(t.dtype()) || t.dtype() == ir::DType::Bool);
}

// The interval [a.lo op b.lo ...] if no bound leaves `full` (the result dtype's range): the
// ops wrap, so any possible overflow means the result can be anything.
IntRange orFull(__int128 lo, __int128 hi, const IntRange &full) {
  if (lo < full.lo || hi > full.hi) return full;
  return {static_cast<int64_t>(lo), static_cast<int64_t>(hi)};
}

// clip's integer bounds (docs/ops_generic.md): ceil(a_min), floor(a_max), saturated.
int64_t saturate(double v, const IntRange &full) {
  if (!(v > static_cast<double>(full.lo))) return full.lo;
  if (!(v < static_cast<double>(full.hi))) return full.hi;
  return static_cast<int64_t>(v);
}

} // namespace

IntRange dtypeRange(ir::DType t) { return {ir::dtypeMin(t), ir::dtypeMax(t)}; }

std::optional<IntRange> ValueRanges::of(ir::Expr e) {
  if (auto it = memo_.find(e); it != memo_.end()) return it->second;
  // Operands first, iteratively, so long chains need no recursion.
  for (ir::Expr n : ir::postOrder(e))
    if (!memo_.count(n)) memo_[n] = compute(n);
  return memo_.at(e);
}

std::optional<IntRange> ValueRanges::compute(ir::Expr e) {
  if (!isIntTensor(e->type)) return std::nullopt;
  const IntRange full = dtypeRange(e->type.dtype());
  if (const ir::ConstantNode *c = ir::dyn<ir::ConstantNode>(e)) {
    const ir::Tensor &t = c->value;
    if (!t.defined() || t.numElements() == 0) return full;
    IntRange r{t.intAt(0), t.intAt(0)};
    for (int64_t i = 1; i < t.numElements(); ++i) {
      r.lo = std::min(r.lo, t.intAt(i));
      r.hi = std::max(r.hi, t.intAt(i));
    }
    return r;
  }
  const ir::CallNode *call = ir::dyn<ir::CallNode>(e);
  if (!call || !call->op) return full;
  auto arg = [&](size_t i) -> std::optional<IntRange> {
    if (i >= call->args.size()) return std::nullopt;
    auto it = memo_.find(call->args[i]);
    return it == memo_.end() ? std::nullopt : it->second;
  };
  const std::string &op = call->op->name;
  std::optional<IntRange> a = arg(0), b = arg(1);

  if (op == "clip" && a) {
    const auto &attrs = call->attrsAs<ir::ClipAttrs>();
    int64_t lo = saturate(std::ceil(attrs.a_min), full),
            hi = saturate(std::floor(attrs.a_max), full);
    // max(min(x, hi), lo) is monotonic in x.
    auto clamp = [&](int64_t v) { return std::max(std::min(v, hi), lo); };
    return IntRange{clamp(a->lo), clamp(a->hi)};
  }
  if (op == "cast" && a) return a->within(full) ? *a : full;
  if ((op == "add" || op == "nn.bias_add") && a && b)
    return orFull(__int128(a->lo) + b->lo, __int128(a->hi) + b->hi, full);
  if (op == "subtract" && a && b)
    return orFull(__int128(a->lo) - b->hi, __int128(a->hi) - b->lo, full);
  if (op == "multiply" && a && b) {
    __int128 p[4] = {__int128(a->lo) * b->lo, __int128(a->lo) * b->hi, __int128(a->hi) * b->lo,
                     __int128(a->hi) * b->hi};
    return orFull(*std::min_element(p, p + 4), *std::max_element(p, p + 4), full);
  }
  if ((op == "maximum" || op == "minimum") && a && b) {
    if (op == "maximum") return IntRange{std::max(a->lo, b->lo), std::max(a->hi, b->hi)};
    return IntRange{std::min(a->lo, b->lo), std::min(a->hi, b->hi)};
  }
  if (op == "nn.relu" && a)
    return IntRange{std::max<int64_t>(a->lo, 0), std::max<int64_t>(a->hi, 0)};
  if (op == "nn.pad" && a && b) {
    // The pad value is converted to the data dtype with the cast rules.
    IntRange v = b->within(full) ? *b : full;
    return IntRange{std::min(a->lo, v.lo), std::max(a->hi, v.hi)};
  }
  // Ops that only move or select elements keep the operand's range.
  if (a && call->args.size() == 1 &&
      (op == "reshape" || op == "transpose" || op == "expand_dims" || op == "squeeze" ||
       op == "copy" || op == "strided_slice" || op == "repeat"))
    return e->type.dtype() == call->args[0]->type.dtype() ? *a : full;
  return full;
}

} // namespace mtc::passes
