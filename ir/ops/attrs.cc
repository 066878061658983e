// mtc — helpers on op attribute structs.
// SPDX-License-Identifier: Apache-2.0
#include "ir/ops/attrs.h"

namespace mtc::ir {

std::array<int64_t, 4> pad4(const std::vector<int64_t> &p) {
  switch (p.size()) {
  case 0: return {0, 0, 0, 0};
  case 1: return {p[0], p[0], p[0], p[0]};
  case 2: return {p[0], p[1], p[0], p[1]};
  case 4: return {p[0], p[1], p[2], p[3]};
  default: return {-1, -1, -1, -1}; // invalid: type relations report lists of other lengths
  }
}

} // namespace mtc::ir
