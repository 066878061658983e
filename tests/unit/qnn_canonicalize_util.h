// mtc — helpers shared by the QnnCanonicalize test files: canonicalize for the host and check
// that no qnn op is left and that values are bit-identical on random inputs.
// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "pass_test_util.h"
#include "random_graphs.h"

#include "ir/printer.h"

#include <catch2/catch.hpp>
#include <random>
#include <string>

namespace mtc::testutil {

/// Evaluates `before` and `after` on `trials` random inputs and CHECKs bit equality.
inline void checkSameValues(const ir::Module &before, const ir::Module &after, int trials,
                            uint64_t seed) {
  std::mt19937_64 rng(seed);
  for (int i = 0; i < trials; ++i) {
    auto in = testing::randomInputs(before, rng);
    std::string err;
    auto a = testing::evalOutputs(before, in, &err);
    INFO(err);
    REQUIRE(a);
    auto b = testing::evalOutputs(after, in, &err);
    INFO(err);
    REQUIRE(b);
    INFO("canonical form:\n" << ir::printModule(after));
    CHECK(testing::firstDifference(*a, *b) == "");
  }
}

/// Canonicalizes for the host, CHECKs that no qnn op is left and that values are unchanged.
inline ir::Module canonicalize(PassFixture &f, const ir::Module &m, int trials = 3,
                               uint64_t seed = 7) {
  ir::Module out = f.runOk(m, {"QnnCanonicalize"}, "host");
  for (const char *op : {"qnn.conv2d", "qnn.requantize", "qnn.dense", "qnn.add"}) {
    INFO(op << " left in:\n" << ir::printModule(out));
    CHECK(countOp(out, op) == 0);
  }
  checkSameValues(m, out, trials, seed);
  return out;
}

} // namespace mtc::testutil
