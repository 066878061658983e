// mtc — source locations and the diagnostics engine for user errors.
// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace mtc {

/// A position in a source buffer registered with a SourceManager. Lines and columns are
/// 1-based; `file < 0` means "no location".
struct SourceLoc {
  int32_t file = -1;
  int32_t line = 0;
  int32_t col = 0;
  bool valid() const { return file >= 0; }
};

/// Owns the text of every parsed buffer so diagnostics can quote the offending line.
class SourceManager {
public:
  /// Registers a buffer and returns its id.
  int32_t add(std::string name, std::string text);
  const std::string &name(int32_t id) const;
  const std::string &text(int32_t id) const;
  /// The text of line `line` (1-based) without its newline; empty if out of range.
  std::string_view lineText(int32_t id, int32_t line) const;

private:
  struct Buffer {
    std::string name, text;
    std::vector<size_t> lineStarts;
  };
  std::vector<Buffer> buffers_;
};

/// Reports user errors as `FILE:LINE:COL: error: MESSAGE` followed by the source line and a
/// caret, or `error: MESSAGE` when there is no location. Counts errors; never aborts.
class DiagEngine {
public:
  explicit DiagEngine(SourceManager &sm) : sm_(sm) {}
  /// Where messages go (default stderr). Tests capture them by passing a string.
  void captureTo(std::string *sink) { sink_ = sink; }

  void error(SourceLoc loc, std::string_view msg);
  void error(std::string_view msg) { error(SourceLoc{}, msg); }
  void note(SourceLoc loc, std::string_view msg);
  void warning(SourceLoc loc, std::string_view msg);

  int errorCount() const { return errors_; }
  bool hasErrors() const { return errors_ > 0; }
  /// Last error message (without location), for tests.
  const std::string &lastError() const { return last_; }
  SourceManager &sources() { return sm_; }
  /// Formats a location as "file:line:col" (or "" if invalid).
  std::string locStr(SourceLoc loc) const;

private:
  void emit(SourceLoc loc, std::string_view kind, std::string_view msg);
  SourceManager &sm_;
  std::string *sink_ = nullptr;
  std::string last_;
  int errors_ = 0;
};

} // namespace mtc
