// mtc — target strings: parsing, feature implications, LLVM and qemu spellings.
// SPDX-License-Identifier: Apache-2.0
#include "passes/target.h"

#include <algorithm>
#include <array>
#include <sstream>

namespace mtc::passes {
namespace {

constexpr const char *kDefaultAArch64Triple = "aarch64-linux-gnu";

// Architecture versions are kept as "equivalent Armv8 minor version" times 10 plus the major
// part, i.e. 80 = Armv8.0, 82 = Armv8.2, 86 = Armv8.6. Armv9.x is folded onto the Armv8
// version it is aligned with (v9.0 ~ v8.5, v9.1 ~ v8.6, ...), which is what decides whether
// dotprod and i8mm are mandatory.
struct ArchVersion {
  const char *feature; // "+v8.2a" without the sign
  int level;           // 80..89
};
constexpr std::array<ArchVersion, 15> kVersions{{
    {"v8a", 80},   {"v8.1a", 81}, {"v8.2a", 82}, {"v8.3a", 83}, {"v8.4a", 84},
    {"v8.5a", 85}, {"v8.6a", 86}, {"v8.7a", 87}, {"v8.8a", 88}, {"v8.9a", 89},
    {"v9a", 85},   {"v9.1a", 86}, {"v9.2a", 87}, {"v9.3a", 88}, {"v9.4a", 89},
}};

// Features accepted in -mattr besides the versions. Only neon, dotprod and i8mm change the
// kernel choice; the others are passed to LLVM unchanged.
constexpr std::array<const char *, 10> kFeatures{
    "neon", "dotprod", "i8mm", "fp-armv8", "crc", "crypto", "fullfp16", "lse", "rdm", "bf16"};

// The -mcpu table: the architecture level each core implements and whether its dotprod and
// i8mm are present (from the cores' technical reference manuals).
struct CpuInfo {
  const char *name;
  int level;
  bool dotprod;
  bool i8mm;
};
constexpr std::array<CpuInfo, 14> kCpus{{
    {"generic", 80, false, false},
    {"cortex-a53", 80, false, false},
    {"cortex-a57", 80, false, false},
    {"cortex-a72", 80, false, false},
    {"cortex-a73", 80, false, false},
    {"cortex-a55", 82, true, false},
    {"cortex-a75", 82, true, false},
    {"cortex-a76", 82, true, false},
    {"cortex-a78", 82, true, false},
    {"cortex-x1", 82, true, false},
    {"neoverse-n1", 82, true, false},
    {"neoverse-v1", 84, true, true},
    {"neoverse-n2", 85, true, true},
    {"cortex-a710", 85, true, true},
}};

const CpuInfo *findCpu(std::string_view name) {
  for (const CpuInfo &c : kCpus)
    if (name == c.name) return &c;
  return nullptr;
}

const ArchVersion *findVersion(std::string_view name) {
  for (const ArchVersion &v : kVersions)
    if (name == v.feature) return &v;
  return nullptr;
}

bool isKnownFeature(std::string_view name) {
  return std::find(kFeatures.begin(), kFeatures.end(), name) != kFeatures.end();
}

std::string joinCpus() {
  std::string s;
  for (const CpuInfo &c : kCpus) s += (s.empty() ? "" : ", ") + std::string(c.name);
  return s;
}

std::vector<std::string> splitWords(std::string_view s) {
  std::vector<std::string> out;
  std::istringstream in{std::string(s)};
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

std::vector<std::string> splitComma(std::string_view s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    size_t end = s.find(',', start);
    if (end == std::string_view::npos) end = s.size();
    out.emplace_back(s.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

// The host's own triple architecture, so that `llvm -mtriple=<host triple>` means the host.
std::string_view hostArchName() {
#if defined(__x86_64__)
  return "x86_64";
#elif defined(__aarch64__)
  return "aarch64";
#else
  return "unknown";
#endif
}

// Features implied by cpu + mattr (after applying the rules of docs/targets.md).
struct Resolved {
  int level = 80;
  bool neon = true, dotprod = false, i8mm = false;
};

// Applies TVM's rules (python/tvm/topi/arm_cpu/arm_utils.py, later target/parsers/aprofile.cc):
// dotprod is mandatory from v8.4, i8mm from v8.6; below those, the explicit feature enables
// them, but only on v8.2 or later. Unlike TVM, an explicit +dotprod / +i8mm with no version
// raises the version to v8.2 (LLVM enables the instructions on their own feature), and with an
// explicit older version it is an error rather than being silently ignored.
bool resolve(const std::string &cpu, const std::vector<std::string> &mattr, Resolved *r,
             std::string *err) {
  int explicitLevel = 0;
  bool plusDot = false, plusMm = false, minusDot = false, minusMm = false, minusNeon = false;
  if (!cpu.empty()) {
    const CpuInfo *c = findCpu(cpu);
    if (!c) {
      *err = "unknown cpu '" + cpu + "' (known: " + joinCpus() + ")";
      return false;
    }
    r->level = c->level;
    r->dotprod = c->dotprod;
    r->i8mm = c->i8mm;
  }
  for (const std::string &f : mattr) {
    if (f.size() < 2 || (f[0] != '+' && f[0] != '-')) {
      *err = "feature '" + f + "' must start with '+' or '-'";
      return false;
    }
    std::string_view name = std::string_view(f).substr(1);
    bool plus = f[0] == '+';
    if (const ArchVersion *v = findVersion(name)) {
      if (!plus) {
        *err = "feature '" + f + "' cannot be removed (architecture versions only add)";
        return false;
      }
      explicitLevel = std::max(explicitLevel, v->level);
      continue;
    }
    if (!isKnownFeature(name)) {
      *err = "unknown feature '" + f +
             "' (known: neon, dotprod, i8mm, v8a..v8.9a, v9a..v9.4a, fp-armv8, crc, crypto, "
             "fullfp16, lse, rdm, bf16)";
      return false;
    }
    if (name == "dotprod") (plus ? plusDot : minusDot) = true;
    if (name == "i8mm") (plus ? plusMm : minusMm) = true;
    if (name == "neon" && !plus) minusNeon = true;
  }
  if ((plusDot || plusMm) && explicitLevel != 0 && explicitLevel < 82) {
    *err = std::string("feature '") + (plusDot ? "+dotprod" : "+i8mm") +
           "' needs Armv8.2-A or later, but the target says an older version";
    return false;
  }
  int level = std::max(r->level, explicitLevel);
  if ((plusDot || plusMm) && level < 82) level = 82;
  r->level = level;
  r->dotprod = r->dotprod || plusDot || level >= 84;
  r->i8mm = r->i8mm || plusMm || level >= 86;
  if (minusDot) r->dotprod = false;
  if (minusMm) r->i8mm = false;
  if (minusNeon) r->neon = r->dotprod = r->i8mm = false;
  return true;
}

// Expands the short aliases into the equivalent option words.
std::optional<std::vector<std::string>> expandAlias(const std::string &head) {
  if (head == "llvm" || head == "host") return std::vector<std::string>{};
  if (head == "aarch64") return std::vector<std::string>{"-mtriple=aarch64-linux-gnu"};
  if (head == "aarch64+dotprod")
    return std::vector<std::string>{"-mtriple=aarch64-linux-gnu", "-mattr=+v8.2a,+dotprod"};
  if (head == "aarch64+i8mm")
    return std::vector<std::string>{"-mtriple=aarch64-linux-gnu", "-mattr=+v8.6a,+i8mm"};
  return std::nullopt;
}

} // namespace

std::optional<Target> Target::parse(std::string_view s, std::string *err) {
  std::string dummy;
  if (!err) err = &dummy;
  std::vector<std::string> words = splitWords(s);
  if (words.empty()) {
    *err = "empty target string (expected llvm, host, aarch64, aarch64+dotprod or "
           "aarch64+i8mm)";
    return std::nullopt;
  }
  std::optional<std::vector<std::string>> opts = expandAlias(words[0]);
  if (!opts) {
    *err = "unknown target '" + words[0] +
           "' (expected llvm, host, aarch64, aarch64+dotprod or aarch64+i8mm)";
    return std::nullopt;
  }
  opts->insert(opts->end(), words.begin() + 1, words.end());

  Target t;
  std::string triple;
  for (size_t i = 0; i < opts->size(); ++i) {
    std::string w = (*opts)[i];
    if (w.rfind("--", 0) == 0) w.erase(0, 1);
    if (w.empty() || w[0] != '-') {
      *err = "unexpected word '" + w + "' in target string (options look like -mtriple=T)";
      return std::nullopt;
    }
    std::string key = w.substr(1), value;
    size_t eq = key.find('=');
    if (eq != std::string::npos) {
      value = key.substr(eq + 1);
      key.resize(eq);
    } else if (i + 1 < opts->size()) {
      value = (*opts)[++i];
    }
    if (value.empty()) {
      *err = "target option '-" + key + "' needs a value";
      return std::nullopt;
    }
    if (key == "mtriple") {
      triple = value;
    } else if (key == "mcpu") {
      t.cpu = value;
    } else if (key == "mattr") {
      for (std::string &f : splitComma(value)) t.mattr.push_back(std::move(f));
    } else if (key == "device" && value == "arm_cpu") {
      // TVM's `-device=arm_cpu` only selects TVM schedules; the triple decides here.
    } else {
      *err = "unknown target option '-" + key + "=" + value +
             "' (known: -mtriple, -mcpu, -mattr, -device=arm_cpu)";
      return std::nullopt;
    }
  }

  std::string arch = triple.substr(0, triple.find('-'));
  if (arch == "aarch64" || arch == "arm64") {
    t.arch = Arch::AArch64;
    t.triple = triple;
  } else if (triple.empty() || arch == hostArchName()) {
    t.arch = Arch::Host;
    t.triple = triple;
  } else {
    *err = "unknown target triple '" + triple + "' (supported: aarch64-*, or the host's " +
           std::string(hostArchName()) + "-*)";
    return std::nullopt;
  }

  if (t.arch == Arch::Host) {
    // The host target uses LLVM's default CPU and features; our cpu/feature tables are Arm's.
    if (!t.cpu.empty() && !(hostArchName() == "aarch64" && findCpu(t.cpu))) {
      *err = "-mcpu=" + t.cpu + " needs an AArch64 target (add -mtriple=" +
             kDefaultAArch64Triple + ")";
      return std::nullopt;
    }
    if (!t.mattr.empty()) {
      *err = "-mattr=" + t.mattr.front() + "... needs an AArch64 target (add -mtriple=" +
             kDefaultAArch64Triple + ")";
      return std::nullopt;
    }
    return t;
  }

  Resolved r;
  if (!resolve(t.cpu, t.mattr, &r, err)) return std::nullopt;
  t.neon = r.neon;
  t.dotprod = r.dotprod;
  t.i8mm = r.i8mm;
  return t;
}

std::string Target::str() const {
  std::string s = "llvm";
  if (!triple.empty()) s += " -mtriple=" + triple;
  if (!cpu.empty()) s += " -mcpu=" + cpu;
  if (!mattr.empty()) {
    s += " -mattr=";
    for (size_t i = 0; i < mattr.size(); ++i) s += (i ? "," : "") + mattr[i];
  }
  return s;
}

std::string Target::llvmFeatures() const {
  if (!isAArch64()) return "";
  std::vector<std::string> out;
  // Features as written first (LLVM gives later entries priority), then the resolved kernel
  // features so that implications (v8.6a => i8mm, cpu => dotprod) reach the backend.
  for (const std::string &f : mattr) {
    std::string_view name = std::string_view(f).substr(1);
    if (name != "neon" && name != "dotprod" && name != "i8mm") out.push_back(f);
  }
  out.push_back(neon ? "+neon" : "-neon");
  out.push_back(dotprod ? "+dotprod" : "-dotprod");
  out.push_back(i8mm ? "+i8mm" : "-i8mm");
  std::string s;
  for (const std::string &f : out) s += (s.empty() ? "" : ",") + f;
  return s;
}

std::string Target::qemuCpu() const {
  if (!isAArch64()) return "";
  if (i8mm) return "max";
  if (dotprod) return "cortex-a76";
  return "cortex-a53";
}

} // namespace mtc::passes
