// mtc — data movement ops: reshape, transpose, concatenate, repeat, expand_dims, squeeze.
// SPDX-License-Identifier: Apache-2.0
#include "ir/ops/attrs.h"
#include "ir/ops/op_util.h"

namespace mtc::ir {

void registerTransformOps(OpRegistry &r) {
  r.add(
      makeOp<ReshapeAttrs>("reshape", {"data"}, OpPattern::Injective, "same elements, new shape"));
  r.add(makeOp<TransposeAttrs>("transpose", {"data"}, OpPattern::Injective, "permute axes"));
  r.add(makeOp<ConcatenateAttrs>("concatenate", {"data"}, OpPattern::Injective,
                                 "join a tuple of tensors along axis"));
  r.add(makeOp<RepeatAttrs>("repeat", {"data"}, OpPattern::Injective,
                            "repeat each element along axis"));
  r.add(
      makeOp<ExpandDimsAttrs>("expand_dims", {"data"}, OpPattern::Injective, "insert size-1 axes"));
  r.add(makeOp<SqueezeAttrs>("squeeze", {"data"}, OpPattern::Injective, "remove size-1 axes"));
}

} // namespace mtc::ir
