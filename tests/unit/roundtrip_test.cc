// mtc — round trip of the text format: print(parse(x)) parses back and prints identically, for
// every .relay file of the repository; and no prefix or corruption of a valid file crashes the
// parser.
// SPDX-License-Identifier: Apache-2.0
#include "ir/equality.h"
#include "ir/infer_type.h"
#include "ir/parser.h"
#include "ir/printer.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

using namespace mtc;
using namespace mtc::ir;
namespace fs = std::filesystem;

namespace {

std::string readFile(const fs::path &p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

/// Files meant to be rejected are excluded by rule (docs/ir-text.md, "Round trip"): anything
/// under a folder named `invalid`, and lit tests whose RUN line expects failure (`RUN: not`).
bool meantToBeValid(const fs::path &p, const std::string &text) {
  for (const fs::path &part : p)
    if (part == "invalid") return false;
  return text.find("RUN: not") == std::string::npos;
}

/// Every `*.relay` file under the source tree, skipping build folders (`build*`), hidden folders
/// (`.git`) and lit's scratch folders (`Output`, git-ignored), sorted so failures are reported
/// in a stable order.
std::vector<fs::path> repositoryRelayFiles() {
  std::vector<fs::path> out;
  fs::path root(MTC_SOURCE_DIR);
  auto it = fs::recursive_directory_iterator(root, fs::directory_options::skip_permission_denied);
  for (; it != fs::recursive_directory_iterator(); ++it) {
    std::string name = it->path().filename().string();
    if (it->is_directory()) {
      if (name.rfind("build", 0) == 0 || name.rfind(".", 0) == 0 || name == "Output")
        it.disable_recursion_pending();
      continue;
    }
    if (it->is_regular_file() && it->path().extension() == ".relay") out.push_back(it->path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

struct Outcome {
  std::optional<Module> module;
  std::string diag;
  int errors = 0;
};

Outcome parseText(const std::string &text, const std::string &name) {
  SourceManager sm;
  DiagEngine d(sm);
  Outcome o;
  d.captureTo(&o.diag);
  o.module = parseModule(text, name, d);
  o.errors = d.errorCount();
  return o;
}

/// Checks the round trip of a parsed module: its printed text parses back to a structurally
/// equal module, and printing that gives the same text.
void checkFixedPoint(const Module &m, const std::string &name) {
  std::string first = printModule(m);
  Outcome again = parseText(first, name + " (printed)");
  INFO(name << ": the printed text does not parse:\n" << again.diag << first.substr(0, 4000));
  REQUIRE(again.module);
  std::string why;
  bool equal = structurallyEqual(m, *again.module, &why);
  INFO(name << ": the re-parsed module differs: " << why);
  CHECK(equal);
  std::string second = printModule(*again.module);
  INFO(name << ": printing is not a fixed point");
  CHECK(second == first);
}

/// The same with inferred types shown as `/* ty=... */` and return types: print(infer(parse))
/// is a fixed point too.
void checkTypedFixedPoint(const Module &m, const std::string &name) {
  SourceManager sm;
  DiagEngine d(sm);
  std::string diag;
  d.captureTo(&diag);
  INFO(name << ": type inference failed:\n" << diag);
  REQUIRE(inferTypes(m, d));
  std::string first = printModule(m);
  Outcome again = parseText(first, name + " (printed with types)");
  INFO(name << ": the printed text does not parse:\n" << again.diag << first.substr(0, 4000));
  REQUIRE(again.module);
  REQUIRE(inferTypes(*again.module, d));
  INFO(name << ": printing with types is not a fixed point");
  CHECK(printModule(*again.module) == first);
}

const char *kSample = R"(#[version = "0.0.5"]
// A sample touching every construct of the format.
def @main(%data: Tensor[(1, 4, 4, 2), uint8], %t: (Tensor[(2), int32], int8)) -> Tensor[(1, 4, 4, 2), uint8] {
  %0 = qnn.conv2d(%data, meta[relay.Constant][0], 128, -3, 0.0235f, meta[relay.Constant][1],
                  padding=[1, 1], channels=2, kernel_size=[3, 3], data_layout="NHWC",
                  kernel_layout="HWIO", out_dtype="int32") /* ty=Tensor[(1, 4, 4, 2), int32] */;
  %1 = nn.bias_add(%0, %t.0, axis=3);
  %2 = fn (%p0: Tensor[(1, 4, 4, 2), int32], Primitive=1) {
    qnn.requantize(%p0, 0.000265555f, 0, 0.0471f, 128, rounding="TFLITE", out_dtype="uint8")
  };
  %3 = (%2(%1), True, 5i64, 7u8, -2i16, 1e-30f);
  %3.0
}

#[metadata]
meta[relay.Constant][0] = Tensor[(3, 3, 2, 2), int8] [1, -2, 3, -4, 5, -6, 7, -8, 9, -10, 11, -12, 13, -14, 15, -16, 17, -18, 19, -20, 21, -22, 23, -24, 25, -26, 27, -28, 29, -30, 31, -32, 33, -34, 35, -127]
meta[relay.Constant][1] = Tensor[(2), float32] [0.0113, 3.4028235e+38]
)";

} // namespace

TEST_CASE("round trip: every .relay file of the repository is a fixed point", "[roundtrip]") {
  std::vector<fs::path> files = repositoryRelayFiles();
  REQUIRE_FALSE(files.empty()); // examples/inception/inception.relay at least
  int checked = 0;
  for (const fs::path &p : files) {
    std::string text = readFile(p);
    if (!meantToBeValid(fs::relative(p, MTC_SOURCE_DIR), text)) continue;
    std::string name = fs::relative(p, MTC_SOURCE_DIR).string();
    Outcome o = parseText(text, name);
    INFO(name << " does not parse:\n" << o.diag);
    REQUIRE(o.module);
    checkFixedPoint(*o.module, name);
    checkTypedFixedPoint(*o.module, name);
    ++checked;
  }
  CHECK(checked > 0);
}

TEST_CASE("round trip: a sample of every construct", "[roundtrip]") {
  Outcome o = parseText(kSample, "sample.relay");
  INFO(o.diag);
  REQUIRE(o.module);
  checkFixedPoint(*o.module, "sample.relay");
  checkTypedFixedPoint(*o.module, "sample.relay");
}

TEST_CASE("round trip: every prefix of a valid file parses or fails cleanly", "[roundtrip]") {
  std::string text = kSample;
  for (size_t n = 0; n < text.size(); ++n) {
    Outcome o = parseText(text.substr(0, n), "prefix.relay");
    INFO("prefix of " << n << " bytes");
    // Either a module (a prefix can be valid: cut inside the last comment) or exactly one error.
    CHECK((o.module ? o.errors == 0 : o.errors == 1));
    CHECK(o.diag.rfind(o.module ? "" : "prefix.relay:", 0) == 0);
  }
}

TEST_CASE("round trip: corrupted files never crash the parser", "[roundtrip]") {
  std::mt19937_64 rng(20240607);
  const std::string base = kSample;
  const char alphabet[] = "()[]{},;:=.%@#\"/*-0123456789fie \n\x01\xff";
  for (int iter = 0; iter < 3000; ++iter) {
    std::string text = base;
    int edits = 1 + static_cast<int>(rng() % 4);
    for (int k = 0; k < edits; ++k) {
      size_t pos = rng() % text.size();
      switch (rng() % 3) {
      case 0: text[pos] = alphabet[rng() % (sizeof alphabet - 1)]; break;
      case 1: text.erase(pos, 1 + rng() % 8); break;
      default: text.insert(pos, 1, alphabet[rng() % (sizeof alphabet - 1)]); break;
      }
      if (text.empty()) text = "x";
    }
    Outcome o = parseText(text, "fuzz.relay");
    INFO("iteration " << iter << ":\n" << text);
    if (o.module) {
      // A corruption that still parses must round-trip like any valid file.
      CHECK(o.errors == 0);
      checkFixedPoint(*o.module, "fuzz.relay");
    } else {
      CHECK(o.errors == 1);
      CHECK(o.diag.rfind("fuzz.relay:", 0) == 0);
    }
  }
}
