// mtc — helpers shared by the qnn and conv op families.
// SPDX-License-Identifier: Apache-2.0
#include "ir/ops/qnn_util.h"

namespace mtc::ir {

std::optional<DType> outDTypeAttr(TypeInferCtx &ctx, const std::string &name, DType dflt,
                                  std::initializer_list<DType> allowed) {
  if (name.empty()) return dflt;
  auto dt = parseDType(name);
  for (DType d : allowed)
    if (dt && *dt == d) return dt;
  std::string list;
  for (DType d : allowed) list += (list.empty() ? "" : ", ") + std::string(dtypeName(d));
  ctx.error("out_dtype \"" + name + "\" is not supported (" + list + ")");
  return std::nullopt;
}

std::optional<Rounding> roundingAttr(TypeInferCtx &ctx, const std::string &value) {
  auto r = parseRounding(value);
  if (!r) ctx.error("rounding \"" + value + "\" is not supported (UPWARD, TONEAREST, TFLITE)");
  return r;
}

std::optional<int64_t> channelAxis(TypeInferCtx &ctx, int64_t axis, int64_t rank,
                                   const char *attrName) {
  if (axis >= -rank && axis < rank) return axis < 0 ? axis + rank : axis;
  ctx.error(std::string(attrName) + " " + std::to_string(axis) + " is out of range for rank " +
            std::to_string(rank));
  return std::nullopt;
}

ChannelIndexer::ChannelIndexer(const Shape &shape, int64_t axis) {
  if (shape.empty()) return;
  dim = shape[static_cast<size_t>(axis)];
  for (size_t d = static_cast<size_t>(axis) + 1; d < shape.size(); ++d) inner *= shape[d];
  if (dim == 0) dim = 1; // empty tensors have no elements to index
}

std::vector<std::optional<FixedPoint>> requantizeSteps(const std::vector<float> &inScales,
                                                       float outScale) {
  std::vector<std::optional<FixedPoint>> steps;
  steps.reserve(inScales.size());
  for (float s : inScales) steps.push_back(requantizeStep(s, outScale));
  return steps;
}

} // namespace mtc::ir
