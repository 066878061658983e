// mtc — the C header of a compiled module (`mtc compile --header`): the ABI types, the entry
// points, and each input's and output's name, dtype and shape as macros and comments.
// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "codegen/module_meta.h"

#include <string>

namespace mtc::codegen {

/// The header text for a module described by `meta`. Self-contained: it carries the types of
/// runtime/mtc_runtime.h (guarded, so both headers may be included together).
std::string generateHeader(const ModuleMeta &meta);

} // namespace mtc::codegen
