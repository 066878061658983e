// mtc — NumPy .npy and .npz files for all IR dtypes.
// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "ir/diagnostics.h"
#include "ir/tensor.h"

#include <map>
#include <optional>
#include <string>

namespace mtc::ir {

/// Reads a .npy file (format versions 1-3, little-endian or byte-order-free dtypes, C order).
/// A malformed header, an unsupported dtype, Fortran order, truncated data or an absurd shape is
/// reported as `error: FILE: ...` before any large allocation; returns nullopt.
std::optional<Tensor> readNpy(const std::string &path, DiagEngine &diag);
/// Parses .npy bytes (`what` names the source in messages).
std::optional<Tensor> parseNpy(std::string_view bytes, const std::string &what, DiagEngine &diag);
/// Serialises a tensor as .npy bytes (format 1.0).
std::string serializeNpy(const Tensor &t);
/// Writes atomically (temporary file + rename): never leaves a half-written file.
bool writeNpy(const std::string &path, const Tensor &t, DiagEngine &diag);

/// Reads every array of a .npz (zip, stored or deflated) by name (without ".npy").
std::optional<std::map<std::string, Tensor>> readNpz(const std::string &path, DiagEngine &diag);
/// Writes a .npz atomically.
bool writeNpz(const std::string &path, const std::map<std::string, Tensor> &arrays,
              DiagEngine &diag);

} // namespace mtc::ir
