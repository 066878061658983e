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
///
/// Accepted descrs: '|i1' '|u1' '<i2' '<i4' '<i8' '<f4' '|b1' (one-byte types also with '<' or
/// '>'). Fortran order is rejected for rank >= 2 (for rank 0 and 1 it is the same layout).
/// At most 2^31 elements; the header must be a dict with exactly the keys 'descr',
/// 'fortran_order' and 'shape' (any order, trailing comma and padding allowed); bytes after the
/// data and bool bytes other than 0/1 are errors.
std::optional<Tensor> readNpy(const std::string &path, DiagEngine &diag);
/// Parses .npy bytes (`what` names the source in messages).
std::optional<Tensor> parseNpy(std::string_view bytes, const std::string &what, DiagEngine &diag);
/// Serialises a tensor as .npy bytes (format 1.0).
std::string serializeNpy(const Tensor &t);
/// Writes atomically (temporary file + rename): never leaves a half-written file.
bool writeNpy(const std::string &path, const Tensor &t, DiagEngine &diag);

/// Writes `bytes` to `path` atomically: to `path.tmp.<pid>` in the same directory, then renamed
/// over `path`; on failure the temporary is removed and `error: PATH: cannot write: ...` is
/// reported. For every output file of the project (npy, npz, printed IR, objects).
bool writeFileAtomic(const std::string &path, std::string_view bytes, DiagEngine &diag);

/// Reads every array of a .npz (zip, stored or deflated) by name (without ".npy"). Every member
/// must be a valid .npy of at most 1 GiB uncompressed; errors name the file and the member.
std::optional<std::map<std::string, Tensor>> readNpz(const std::string &path, DiagEngine &diag);
/// Writes a .npz atomically (members `NAME.npy`, stored uncompressed, as numpy.savez does).
bool writeNpz(const std::string &path, const std::map<std::string, Tensor> &arrays,
              DiagEngine &diag);

} // namespace mtc::ir
