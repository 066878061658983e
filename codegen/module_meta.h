// mtc — the description a compiled module carries about itself: entry-point name, target, the
// qemu cpu able to run it, inputs and outputs (names, dtypes, shapes) and workspace size.
//
// It is stored twice in every module: as the C structure returned by mtc_<name>_info() (for
// programs and the runner) and as text in the ELF section `.mtc_meta` (so that `mtc run` can
// read it without executing foreign code). The text form is line based:
//   mtc-module 1
//   name model
//   target llvm -mtriple=aarch64-linux-gnu
//   qemu-cpu cortex-a53
//   workspace 4096
//   constants 1234
//   input data int8 1,56,56,64
//   output output_0 int8 1,56,56,64
// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "ir/diagnostics.h"
#include "ir/type.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mtc::codegen {

/// One input or output of a compiled model.
struct TensorSig {
  std::string name;
  ir::DType dtype = ir::DType::Int8;
  ir::Shape shape;
  bool operator==(const TensorSig &) const = default;
};

/// What a module says about itself.
struct ModuleMeta {
  std::string name;    ///< the <name> of mtc_<name>_run
  std::string target;  ///< canonical target string
  std::string qemuCpu; ///< empty for host modules
  uint64_t workspaceBytes = 0;
  uint64_t constantBytes = 0;
  std::vector<TensorSig> inputs, outputs;

  /// The text form (see the file comment).
  std::string serialize() const;
  /// Parses the text form; nullopt with `*err` set on malformed text.
  static std::optional<ModuleMeta> parse(const std::string &text, std::string *err);
  bool operator==(const ModuleMeta &) const = default;
};

/// The name of the ELF section holding the text form.
inline constexpr const char *kMetaSection = ".mtc_meta";

/// Reads the `.mtc_meta` section of a compiled module (any ELF class/machine). Reports
/// "FILE: not a module compiled by mtc ..." and returns nullopt otherwise.
std::optional<ModuleMeta> readModuleMeta(const std::string &path, DiagEngine &diag);

/// The ELF machine of a file: "aarch64", "x86_64", another name, or "" when not ELF.
std::string elfMachine(const std::string &path);

/// True if `s` is a valid C identifier fragment usable as <name> ([A-Za-z_][A-Za-z0-9_]*).
bool isValidModuleName(const std::string &s);

} // namespace mtc::codegen
