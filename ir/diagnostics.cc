// mtc — source locations and diagnostics.
// SPDX-License-Identifier: Apache-2.0
#include "ir/diagnostics.h"

#include "ir/check.h"

#include <cstdio>

namespace mtc {

int32_t SourceManager::add(std::string name, std::string text) {
  Buffer b;
  b.name = std::move(name);
  b.text = std::move(text);
  b.lineStarts.push_back(0);
  for (size_t i = 0; i < b.text.size(); ++i)
    if (b.text[i] == '\n') b.lineStarts.push_back(i + 1);
  buffers_.push_back(std::move(b));
  return static_cast<int32_t>(buffers_.size() - 1);
}

const std::string &SourceManager::name(int32_t id) const {
  MTC_CHECK(id >= 0 && size_t(id) < buffers_.size()) << "bad buffer id " << id;
  return buffers_[id].name;
}

const std::string &SourceManager::text(int32_t id) const {
  MTC_CHECK(id >= 0 && size_t(id) < buffers_.size()) << "bad buffer id " << id;
  return buffers_[id].text;
}

std::string_view SourceManager::lineText(int32_t id, int32_t line) const {
  if (id < 0 || size_t(id) >= buffers_.size()) return {};
  const Buffer &b = buffers_[id];
  if (line < 1 || size_t(line) > b.lineStarts.size()) return {};
  size_t start = b.lineStarts[line - 1];
  size_t end = b.text.find('\n', start);
  if (end == std::string::npos) end = b.text.size();
  return std::string_view(b.text).substr(start, end - start);
}

std::string DiagEngine::locStr(SourceLoc loc) const {
  if (!loc.valid()) return "";
  return sm_.name(loc.file) + ":" + std::to_string(loc.line) + ":" + std::to_string(loc.col);
}

void DiagEngine::emit(SourceLoc loc, std::string_view kind, std::string_view msg) {
  std::string out;
  if (loc.valid()) out += locStr(loc) + ": ";
  out += std::string(kind) + ": " + std::string(msg) + "\n";
  if (loc.valid()) {
    std::string_view line = sm_.lineText(loc.file, loc.line);
    // Keep the quoted line printable: binary garbage is shown as '?'.
    std::string shown;
    for (char c : line.substr(0, 200)) {
      unsigned char u = static_cast<unsigned char>(c);
      shown += (u == '\t' || (u >= 0x20 && u < 0x7f)) ? c : '?';
    }
    out += shown + "\n";
    int col = loc.col > 0 ? loc.col : 1;
    if (col <= 201) {
      for (int i = 1; i < col; ++i) out += (size_t(i - 1) < line.size() && line[i - 1] == '\t') ? '\t' : ' ';
      out += "^\n";
    }
  }
  if (sink_)
    *sink_ += out;
  else
    std::fputs(out.c_str(), stderr);
}

void DiagEngine::error(SourceLoc loc, std::string_view msg) {
  ++errors_;
  last_ = std::string(msg);
  emit(loc, "error", msg);
}

void DiagEngine::note(SourceLoc loc, std::string_view msg) { emit(loc, "note", msg); }
void DiagEngine::warning(SourceLoc loc, std::string_view msg) { emit(loc, "warning", msg); }

} // namespace mtc
