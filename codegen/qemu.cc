// mtc — running aarch64 programs on this machine with qemu user-mode emulation.
// SPDX-License-Identifier: Apache-2.0
#include "codegen/qemu.h"

#include <llvm/Support/FileSystem.h>

#include <cstdlib>

namespace mtc::codegen {

std::optional<QemuSetup> findQemu(DiagEngine &diag) {
  QemuSetup s;
  s.qemu = findTool({"qemu-aarch64", "qemu-aarch64-static"});
  if (s.qemu.empty()) {
    diag.error("cannot run aarch64 code: qemu-aarch64 is not on PATH; install the Debian "
               "package qemu-user");
    return std::nullopt;
  }
  const char *env = std::getenv("MTC_AARCH64_SYSROOT");
  s.sysroot = env && *env ? env : "/usr/aarch64-linux-gnu";
  // The dynamic loader is what qemu needs from the sysroot to start a dynamic executable.
  if (!llvm::sys::fs::exists(s.sysroot + "/lib/ld-linux-aarch64.so.1")) {
    diag.error("cannot run aarch64 code: no aarch64 C library at '" + s.sysroot +
               "' (missing lib/ld-linux-aarch64.so.1); install the Debian package "
               "libc6-arm64-cross (pulled in by g++-aarch64-linux-gnu)");
    return std::nullopt;
  }
  return s;
}

ProgramResult runUnderQemu(const QemuSetup &setup, const std::string &cpu,
                           const std::string &program, const std::vector<std::string> &args,
                           unsigned timeoutSeconds) {
  std::vector<std::string> qargs = {"-L", setup.sysroot, "-cpu", cpu, program};
  qargs.insert(qargs.end(), args.begin(), args.end());
  return runProgram(setup.qemu, qargs, timeoutSeconds);
}

} // namespace mtc::codegen
