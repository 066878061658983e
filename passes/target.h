// mtc — compilation targets: TVM-style target strings and the aliases of docs/targets.md.
// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mtc::passes {

/// What code is generated for. Parsed from `llvm [-mtriple=T] [-mcpu=C] [-mattr=+a,+b]` or an
/// alias (`host`, `aarch64`, `aarch64+dotprod`, `aarch64+i8mm`).
struct Target {
  enum class Arch { Host, AArch64 };
  Arch arch = Arch::Host;
  std::string triple; ///< LLVM triple; empty for the host (LLVM's default triple)
  std::string cpu;    ///< -mcpu, may be empty
  /// Features after applying implications (v8.2a+dotprod, v8.6a ⇒ i8mm and dotprod, cpu ⇒ its
  /// features). Armv8.0 AArch64 always has neon.
  bool neon = false;
  bool dotprod = false;
  bool i8mm = false;
  std::vector<std::string> mattr; ///< as written, e.g. {"+v8.2a", "+dotprod"}

  bool isAArch64() const { return arch == Arch::AArch64; }
  /// Canonical string, e.g. `llvm -mtriple=aarch64-linux-gnu -mattr=+v8.2a,+dotprod`.
  std::string str() const;
  /// LLVM feature string for the TargetMachine, e.g. "+neon,+dotprod".
  std::string llvmFeatures() const;
  /// The qemu-aarch64 `-cpu` that can run code for this target (cortex-a53, cortex-a76, max).
  std::string qemuCpu() const;

  /// Parses a target string; on failure returns nullopt and sets `*err` to a message naming the
  /// offending part ("unknown feature '+foo'", "unknown target 'x86'").
  static std::optional<Target> parse(std::string_view s, std::string *err);
};

} // namespace mtc::passes
