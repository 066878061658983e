// mtc — structural equality of modules and expressions.
// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "ir/expr.h"

#include <string>

namespace mtc::ir {

/// True if `a` and `b` have the same functions (by name, in order), parameters (matched by
/// position; names and locations ignored), graph shape, ops, attributes, constants (bitwise)
/// and declared types. On a difference, `*why` (if given) names the first one (in reading
/// order) as a path, e.g.
/// `@main: body: call qnn.requantize: arg 0: call nn.bias_add: attr axis: 3 vs 1`.
///
/// Sharing: calls and fn literals must correspond one to one (a computation shared on one side
/// and duplicated on the other is a difference); constants, tuples, projections and GlobalVars
/// are compared by value wherever they occur, since the text format prints them inline.
/// Inferred types (`node->type`) are ignored. Iterative: graphs of any depth compare.
bool structurallyEqual(const Module &a, const Module &b, std::string *why = nullptr);
/// Same for two expressions; free variables are matched on first use (one to one, equal types).
bool structurallyEqual(Expr a, Expr b, std::string *why = nullptr);

} // namespace mtc::ir
