// mtc — element types of tensors.
// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace mtc::ir {

/// Element type of a tensor. The set is closed; `bool` is stored as one byte (0 or 1).
enum class DType : uint8_t { Int8, UInt8, Int16, Int32, Int64, Float32, Bool };

/// Relay spelling: "int8", "uint8", "int16", "int32", "int64", "float32", "bool".
std::string_view dtypeName(DType t);
/// Inverse of dtypeName; nullopt for an unknown name.
std::optional<DType> parseDType(std::string_view name);
/// Bytes per element.
int dtypeBytes(DType t);
bool isInteger(DType t); ///< int8..int64 and uint8 (not bool).
bool isSigned(DType t);  ///< int8, int16, int32, int64, float32.
/// Smallest and largest representable value of an integer dtype (bool: 0, 1).
int64_t dtypeMin(DType t);
int64_t dtypeMax(DType t);
/// Literal suffix used by the text format ("i8", "u8", "i16", "i64", "f"); empty for int32.
std::string_view dtypeSuffix(DType t);

} // namespace mtc::ir
