// mtc — element types of tensors.
// SPDX-License-Identifier: Apache-2.0
#include "ir/dtype.h"

#include "ir/check.h"

#include <limits>

namespace mtc::ir {

std::string_view dtypeName(DType t) {
  switch (t) {
  case DType::Int8: return "int8";
  case DType::UInt8: return "uint8";
  case DType::Int16: return "int16";
  case DType::Int32: return "int32";
  case DType::Int64: return "int64";
  case DType::Float32: return "float32";
  case DType::Bool: return "bool";
  }
  MTC_UNREACHABLE("bad dtype");
}

std::optional<DType> parseDType(std::string_view n) {
  for (DType t : {DType::Int8, DType::UInt8, DType::Int16, DType::Int32, DType::Int64,
                  DType::Float32, DType::Bool})
    if (dtypeName(t) == n) return t;
  return std::nullopt;
}

int dtypeBytes(DType t) {
  switch (t) {
  case DType::Int8:
  case DType::UInt8:
  case DType::Bool: return 1;
  case DType::Int16: return 2;
  case DType::Int32:
  case DType::Float32: return 4;
  case DType::Int64: return 8;
  }
  MTC_UNREACHABLE("bad dtype");
}

bool isInteger(DType t) { return t != DType::Float32 && t != DType::Bool; }
bool isSigned(DType t) { return t != DType::UInt8 && t != DType::Bool; }

int64_t dtypeMin(DType t) {
  switch (t) {
  case DType::Int8: return std::numeric_limits<int8_t>::min();
  case DType::UInt8: return 0;
  case DType::Int16: return std::numeric_limits<int16_t>::min();
  case DType::Int32: return std::numeric_limits<int32_t>::min();
  case DType::Int64: return std::numeric_limits<int64_t>::min();
  case DType::Bool: return 0;
  case DType::Float32: break;
  }
  MTC_UNREACHABLE("dtypeMin of a non-integer dtype");
}

int64_t dtypeMax(DType t) {
  switch (t) {
  case DType::Int8: return std::numeric_limits<int8_t>::max();
  case DType::UInt8: return std::numeric_limits<uint8_t>::max();
  case DType::Int16: return std::numeric_limits<int16_t>::max();
  case DType::Int32: return std::numeric_limits<int32_t>::max();
  case DType::Int64: return std::numeric_limits<int64_t>::max();
  case DType::Bool: return 1;
  case DType::Float32: break;
  }
  MTC_UNREACHABLE("dtypeMax of a non-integer dtype");
}

std::string_view dtypeSuffix(DType t) {
  switch (t) {
  case DType::Int8: return "i8";
  case DType::UInt8: return "u8";
  case DType::Int16: return "i16";
  case DType::Int32: return "";
  case DType::Int64: return "i64";
  case DType::Float32: return "f";
  case DType::Bool: return "";
  }
  MTC_UNREACHABLE("bad dtype");
}

} // namespace mtc::ir
