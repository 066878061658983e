// mtc — tokens of the Relay-like text format (docs/ir-text.md), produced on demand.
// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "ir/diagnostics.h"

#include <cstdint>
#include <string>
#include <string_view>

namespace mtc::ir {

/// Kinds of tokens. Punctuation kinds are named after their character.
enum class TokKind : uint8_t {
  Eof,
  Error,     ///< a lexical error, already reported to the DiagEngine
  Ident,     ///< `qnn.conv2d`, `Tensor`, `int8`, `True`, `def`, `relay.Constant`, `inf`
  LocalName, ///< `%x`, `%0`, `%conv1.weight` (text without the '%')
  GlobalName, ///< `@main` (text without the '@')
  Number,    ///< `128`, `-3i8`, `0.5f`, `1e-3`, `-inf` (text as written, suffix included)
  String,    ///< `"NHWC"` (value unescaped in Token::str)
  LParen,
  RParen,
  LBracket,
  RBracket,
  LBrace,
  RBrace,
  Comma,
  Colon,
  Semi,
  Equal,
  Dot,
  Arrow, ///< `->`
  Hash,  ///< `#`, starts `#[version = ...]` and `#[metadata]`
};

/// Human-readable token kind for messages ("identifier", "','", "end of file").
std::string_view tokKindName(TokKind k);

/// One token. `text` points into the source buffer (valid while the buffer lives).
struct Token {
  TokKind kind = TokKind::Eof;
  std::string_view text;
  std::string str; ///< unescaped value of a String token
  SourceLoc loc;

  bool is(TokKind k) const { return kind == k; }
  bool isIdent(std::string_view s) const { return kind == TokKind::Ident && text == s; }
  /// "identifier 'foo'", "'('", "end of file": how messages name the token.
  std::string describe() const;
};

/// Splits a buffer into tokens, skipping whitespace and `//` and `/* */` comments (comments do
/// not nest). Lexical errors (unterminated comment or string, stray character, malformed name)
/// are reported to `diag` at their start and yield one Error token; the lexer then stays at Eof.
///
/// Names: `[A-Za-z_][A-Za-z0-9_]*` parts joined by '.', where a '.' belongs to the name only if a
/// letter or '_' follows it — so `%t.0` is `%t` `.` `0` (a projection) while `%conv1.weight` and
/// `nn.bias_add` are single names. A number directly after a '.' token is lexed as digits only,
/// so `%t.0.1` is two projections rather than `%t` `.` `0.1`.
class Lexer {
public:
  Lexer(std::string_view text, int32_t fileId, DiagEngine &diag)
      : text_(text), file_(fileId), diag_(diag) {}

  /// The next token (Eof forever at the end or after an error).
  Token next();
  /// Location of the next unread character (for "end of file" errors).
  SourceLoc here() const { return {file_, line_, col_}; }
  /// Bytes not yet consumed.
  size_t remaining() const { return text_.size() - pos_; }

private:
  char peekChar(size_t ahead = 0) const {
    return pos_ + ahead < text_.size() ? text_[pos_ + ahead] : '\0';
  }
  bool atEnd(size_t ahead = 0) const { return pos_ + ahead >= text_.size(); }
  void bump(size_t n = 1);
  bool skipTrivia(); ///< false after reporting an unterminated comment
  Token make(TokKind k, size_t start, SourceLoc loc) const;
  Token error(SourceLoc loc, const std::string &msg);
  Token lexName(TokKind k, size_t start, SourceLoc loc);
  Token lexNumber(size_t start, SourceLoc loc);
  Token lexString(size_t start, SourceLoc loc);
  size_t scanDottedName(size_t at) const; ///< end of a dotted name starting at `at`

  std::string_view text_;
  int32_t file_;
  DiagEngine &diag_;
  size_t pos_ = 0;
  int32_t line_ = 1, col_ = 1;
  bool failed_ = false;
  TokKind prev_ = TokKind::Eof;
};

} // namespace mtc::ir
