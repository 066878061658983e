// mtc — the pass registry: allPasses()/findPass() built from passes/passes.def.
// SPDX-License-Identifier: Apache-2.0
#include "passes/pass.h"
#include "passes/passes.h"

namespace mtc::passes {

const std::vector<PassInfo> &allPasses() {
  static const std::vector<PassInfo> passes = {
#define MTC_PASS(NAME, FN, SUMMARY) PassInfo{#NAME, FN, SUMMARY},
#include "passes/passes.def"
#undef MTC_PASS
  };
  return passes;
}

const PassInfo *findPass(std::string_view name) {
  for (const PassInfo &p : allPasses())
    if (p.name == name) return &p;
  return nullptr;
}

} // namespace mtc::passes
