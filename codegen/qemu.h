// mtc — running aarch64 programs on this machine with qemu user-mode emulation.
// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "codegen/process.h"
#include "ir/diagnostics.h"

#include <optional>
#include <string>
#include <vector>

namespace mtc::codegen {

/// Where qemu-aarch64 and the aarch64 glibc sysroot are.
struct QemuSetup {
  std::string qemu;    ///< absolute path of qemu-aarch64 (Debian qemu-user)
  std::string sysroot; ///< /usr/aarch64-linux-gnu (Debian libc6-arm64-cross)
};

/// Finds qemu-aarch64 on PATH (qemu-aarch64, then qemu-aarch64-static) and the sysroot
/// (/usr/aarch64-linux-gnu, or $MTC_AARCH64_SYSROOT when set). A missing piece is an error that
/// names the Debian package to install; returns nullopt then.
std::optional<QemuSetup> findQemu(DiagEngine &diag);

/// Runs `program args...` as `qemu-aarch64 -L <sysroot> -cpu <cpu> program args...`, waiting
/// at most `timeoutSeconds` (0 = no limit). The program's SIGILL (an instruction the emulated
/// cpu lacks) or crash shows as ProgramResult::signaled.
ProgramResult runUnderQemu(const QemuSetup &setup, const std::string &cpu,
                           const std::string &program, const std::vector<std::string> &args,
                           unsigned timeoutSeconds = 0);

} // namespace mtc::codegen
