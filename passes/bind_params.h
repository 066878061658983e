// mtc — binding @main parameters to constants (`--params P.npz`), done before the pipeline.
// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "ir/diagnostics.h"
#include "ir/expr.h"
#include "ir/tensor.h"

#include <map>
#include <optional>
#include <string>

namespace mtc::passes {

/// Replaces each @main parameter named in `params` by a constant holding its tensor and removes
/// it from @main's signature (the other parameters keep their order). A name that is not a
/// parameter of @main, or a tensor whose shape or dtype differs from the parameter's declared
/// type, is reported naming the parameter; then nullopt is returned. The input is not modified.
std::optional<ir::Module> bindParams(const ir::Module &m,
                                     const std::map<std::string, ir::Tensor> &params,
                                     DiagEngine &diag);

} // namespace mtc::passes
