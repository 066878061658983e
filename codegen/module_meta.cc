// mtc — the text form of a module's self-description and reading it back from an ELF file.
// SPDX-License-Identifier: Apache-2.0
#include "codegen/module_meta.h"

#include <llvm/Object/ObjectFile.h>
#include <llvm/Support/Error.h>

#include <fstream>
#include <sstream>

namespace mtc::codegen {

std::string ModuleMeta::serialize() const {
  std::ostringstream os;
  os << "mtc-module 1\n";
  os << "name " << name << "\n";
  os << "target " << target << "\n";
  os << "qemu-cpu " << qemuCpu << "\n";
  os << "workspace " << workspaceBytes << "\n";
  os << "constants " << constantBytes << "\n";
  auto tensor = [&](const char *kind, const TensorSig &t) {
    os << kind << " " << t.name << " " << ir::dtypeName(t.dtype) << " ";
    for (size_t i = 0; i < t.shape.size(); ++i) os << (i ? "," : "") << t.shape[i];
    os << "\n";
  };
  for (const TensorSig &t : inputs) tensor("input", t);
  for (const TensorSig &t : outputs) tensor("output", t);
  return os.str();
}

std::optional<ModuleMeta> ModuleMeta::parse(const std::string &text, std::string *err) {
  ModuleMeta m;
  std::istringstream is(text);
  std::string line;
  int lineNo = 0;
  bool header = false;
  auto fail = [&](const std::string &msg) {
    if (err) *err = "line " + std::to_string(lineNo) + ": " + msg;
    return std::nullopt;
  };
  while (std::getline(is, line)) {
    ++lineNo;
    if (line.empty()) continue;
    const size_t sp = line.find(' ');
    const std::string key = line.substr(0, sp);
    const std::string rest = sp == std::string::npos ? "" : line.substr(sp + 1);
    if (!header) {
      if (key != "mtc-module" || rest != "1") return fail("not an mtc module description");
      header = true;
      continue;
    }
    if (key == "name") m.name = rest;
    else if (key == "target") m.target = rest;
    else if (key == "qemu-cpu") m.qemuCpu = rest;
    else if (key == "workspace" || key == "constants") {
      try {
        (key == "workspace" ? m.workspaceBytes : m.constantBytes) = std::stoull(rest);
      } catch (...) {
        return fail("bad number '" + rest + "'");
      }
    } else if (key == "input" || key == "output") {
      std::istringstream ts(rest);
      TensorSig t;
      std::string dt, dims;
      if (!(ts >> t.name >> dt)) return fail("expected NAME DTYPE SHAPE");
      std::getline(ts, dims);
      if (!dims.empty() && dims[0] == ' ') dims.erase(0, 1);
      auto d = ir::parseDType(dt);
      if (!d) return fail("unknown dtype '" + dt + "'");
      t.dtype = *d;
      std::istringstream ds(dims);
      std::string tok;
      while (std::getline(ds, tok, ',')) {
        try {
          t.shape.push_back(std::stoll(tok));
        } catch (...) {
          return fail("bad dim '" + tok + "'");
        }
      }
      (key == "input" ? m.inputs : m.outputs).push_back(std::move(t));
    }
    // Unknown keys are ignored so that later versions can add lines.
  }
  if (!header) return fail("empty module description");
  return m;
}

std::optional<ModuleMeta> readModuleMeta(const std::string &path, DiagEngine &diag) {
  auto obj = llvm::object::ObjectFile::createObjectFile(path);
  if (!obj) {
    std::string msg = llvm::toString(obj.takeError());
    diag.error(path + ": cannot read the module: " + msg);
    return std::nullopt;
  }
  for (const llvm::object::SectionRef &sec : obj->getBinary()->sections()) {
    llvm::Expected<llvm::StringRef> name = sec.getName();
    if (!name) {
      llvm::consumeError(name.takeError());
      continue;
    }
    if (*name != kMetaSection) continue;
    llvm::Expected<llvm::StringRef> data = sec.getContents();
    if (!data) {
      diag.error(path + ": unreadable " + std::string(kMetaSection) + " section: " +
                 llvm::toString(data.takeError()));
      return std::nullopt;
    }
    std::string text(data->data(), data->size());
    while (!text.empty() && text.back() == '\0') text.pop_back();
    std::string err;
    auto meta = ModuleMeta::parse(text, &err);
    if (!meta) {
      diag.error(path + ": malformed " + std::string(kMetaSection) + " section: " + err);
      return std::nullopt;
    }
    return meta;
  }
  diag.error(path + ": not a module compiled by mtc (no " + std::string(kMetaSection) +
             " section)");
  return std::nullopt;
}

std::string elfMachine(const std::string &path) {
  std::ifstream f(path, std::ios::binary);
  unsigned char h[20] = {};
  if (!f.read(reinterpret_cast<char *>(h), sizeof h)) return "";
  if (h[0] != 0x7f || h[1] != 'E' || h[2] != 'L' || h[3] != 'F') return "";
  const unsigned machine = h[5] == 2 ? (h[18] << 8 | h[19]) : (h[19] << 8 | h[18]);
  switch (machine) {
  case 183: return "aarch64";
  case 62: return "x86_64";
  case 3: return "i386";
  case 40: return "arm";
  default: return "machine " + std::to_string(machine);
  }
}

bool isValidModuleName(const std::string &s) {
  if (s.empty() || s.size() > 64) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    if (!(alpha || (i > 0 && c >= '0' && c <= '9'))) return false;
  }
  return true;
}

} // namespace mtc::codegen
