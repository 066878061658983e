// mtc — integer value ranges: a conservative interval for every integer-typed node.
// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "ir/expr.h"

#include <cstdint>
#include <optional>
#include <unordered_map>

namespace mtc::passes {

/// A closed interval [lo, hi] of integer values.
struct IntRange {
  int64_t lo = 0, hi = 0;
  bool within(const IntRange &o) const { return o.lo <= lo && hi <= o.hi; }
  bool operator==(const IntRange &o) const { return lo == o.lo && hi == o.hi; }
};

/// The full range of an integer or bool dtype.
IntRange dtypeRange(ir::DType t);

/// Computes, for nodes of a typed graph, an interval containing every value the node can take
/// (any input). Exact where cheap (constants, clip, offsets by constants, exact casts) and the
/// dtype's full range otherwise, so it is always sound. Memoised; iterative over the graph.
class ValueRanges {
public:
  /// The range of `e`, or nullopt if `e` is not an integer (or bool) tensor.
  std::optional<IntRange> of(ir::Expr e);

private:
  std::optional<IntRange> compute(ir::Expr e);
  std::unordered_map<ir::Expr, std::optional<IntRange>> memo_;
};

} // namespace mtc::passes
