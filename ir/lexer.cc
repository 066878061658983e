// mtc — tokens of the Relay-like text format.
// SPDX-License-Identifier: Apache-2.0
#include "ir/lexer.h"

#include <fmt/format.h>

namespace mtc::ir {

namespace {

bool isDigit(char c) { return c >= '0' && c <= '9'; }
bool isNameStart(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool isNameChar(char c) { return isNameStart(c) || isDigit(c); }

// Printable form of a byte for messages; binary garbage must not reach the terminal raw.
std::string showChar(char c) {
  unsigned char u = static_cast<unsigned char>(c);
  if (u >= 0x21 && u < 0x7f) return fmt::format("'{}'", c);
  return fmt::format("byte 0x{:02x}", u);
}

} // namespace

std::string_view tokKindName(TokKind k) {
  switch (k) {
  case TokKind::Eof: return "end of file";
  case TokKind::Error: return "invalid token";
  case TokKind::Ident: return "identifier";
  case TokKind::LocalName: return "local name";
  case TokKind::GlobalName: return "global name";
  case TokKind::Number: return "number";
  case TokKind::String: return "string";
  case TokKind::LParen: return "'('";
  case TokKind::RParen: return "')'";
  case TokKind::LBracket: return "'['";
  case TokKind::RBracket: return "']'";
  case TokKind::LBrace: return "'{'";
  case TokKind::RBrace: return "'}'";
  case TokKind::Comma: return "','";
  case TokKind::Colon: return "':'";
  case TokKind::Semi: return "';'";
  case TokKind::Equal: return "'='";
  case TokKind::Dot: return "'.'";
  case TokKind::Arrow: return "'->'";
  case TokKind::Hash: return "'#'";
  }
  return "token";
}

std::string Token::describe() const {
  // Long tokens (a 1 MB string, say) are cut so messages stay one line.
  auto cut = [](std::string_view s) {
    return s.size() > 40 ? std::string(s.substr(0, 40)) + "..." : std::string(s);
  };
  switch (kind) {
  case TokKind::Ident: return fmt::format("identifier '{}'", cut(text));
  case TokKind::LocalName: return fmt::format("'%{}'", cut(text));
  case TokKind::GlobalName: return fmt::format("'@{}'", cut(text));
  case TokKind::Number: return fmt::format("number '{}'", cut(text));
  case TokKind::String: return "string " + cut(text);
  default: return std::string(tokKindName(kind));
  }
}

void Lexer::bump(size_t n) {
  for (size_t i = 0; i < n && pos_ < text_.size(); ++i) {
    if (text_[pos_] == '\n') {
      ++line_;
      col_ = 1;
    } else {
      ++col_;
    }
    ++pos_;
  }
}

Token Lexer::make(TokKind k, size_t start, SourceLoc loc) const {
  Token t;
  t.kind = k;
  t.text = text_.substr(start, pos_ - start);
  t.loc = loc;
  return t;
}

Token Lexer::error(SourceLoc loc, const std::string &msg) {
  diag_.error(loc, msg);
  failed_ = true;
  Token t;
  t.kind = TokKind::Error;
  t.loc = loc;
  return t;
}

bool Lexer::skipTrivia() {
  while (!atEnd()) {
    char c = peekChar();
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
      bump();
    } else if (c == '/' && peekChar(1) == '/') {
      while (!atEnd() && peekChar() != '\n') bump();
    } else if (c == '/' && peekChar(1) == '*') {
      SourceLoc start = here();
      size_t close = text_.find("*/", pos_ + 2);
      if (close == std::string_view::npos) {
        error(start, "unterminated comment");
        return false;
      }
      bump(close + 2 - pos_);
    } else {
      break;
    }
  }
  return true;
}

size_t Lexer::scanDottedName(size_t at) const {
  size_t p = at;
  while (p < text_.size() && isNameChar(text_[p])) ++p;
  while (p + 1 < text_.size() && text_[p] == '.' && isNameStart(text_[p + 1])) {
    p += 2;
    while (p < text_.size() && isNameChar(text_[p])) ++p;
  }
  return p;
}

Token Lexer::lexName(TokKind k, size_t start, SourceLoc loc) {
  char sigil = k == TokKind::LocalName ? '%' : '@';
  bump(); // the sigil
  size_t end = scanDottedName(pos_);
  if (end == pos_) {
    return error(loc, fmt::format("expected a name after '{}'", sigil));
  }
  std::string_view name = text_.substr(pos_, end - pos_);
  bool allDigits = true;
  for (char c : name) allDigits &= isDigit(c);
  if (!allDigits && isDigit(name[0])) {
    return error(loc, fmt::format("invalid name '{}{}': a name is a number or starts with a "
                                  "letter or '_'",
                                  sigil, name.size() > 40 ? name.substr(0, 40) : name));
  }
  bump(end - pos_);
  Token t = make(k, start, loc);
  t.text = name;
  return t;
}

Token Lexer::lexNumber(size_t start, SourceLoc loc) {
  if (peekChar() == '-') bump();
  if (!isDigit(peekChar())) { // -inf, -nan
    bump(3);
    return make(TokKind::Number, start, loc);
  }
  while (isDigit(peekChar())) bump();
  if (prev_ == TokKind::Dot) return make(TokKind::Number, start, loc); // a projection index
  if (peekChar() == '.' && isDigit(peekChar(1))) {
    bump();
    while (isDigit(peekChar())) bump();
  }
  if ((peekChar() == 'e' || peekChar() == 'E') &&
      (isDigit(peekChar(1)) ||
       ((peekChar(1) == '+' || peekChar(1) == '-') && isDigit(peekChar(2))))) {
    bump(2);
    while (isDigit(peekChar())) bump();
  }
  // A dtype suffix (`i8`, `f`) is part of the token; the parser checks it.
  while (isNameChar(peekChar())) bump();
  return make(TokKind::Number, start, loc);
}

Token Lexer::lexString(size_t start, SourceLoc loc) {
  bump(); // opening quote
  std::string value;
  while (true) {
    if (atEnd() || peekChar() == '\n') return error(loc, "unterminated string");
    char c = peekChar();
    if (c == '"') {
      bump();
      break;
    }
    if (c == '\\') {
      SourceLoc escLoc = here();
      char e = peekChar(1);
      if (e == '"' || e == '\\') {
        value += e;
      } else if (e == 'n') {
        value += '\n';
      } else if (e == 't') {
        value += '\t';
      } else {
        if (atEnd(1) || e == '\n') return error(loc, "unterminated string");
        return error(escLoc, fmt::format("unknown escape sequence '\\' followed by {} in string",
                                         showChar(e)));
      }
      bump(2);
      continue;
    }
    value += c;
    bump();
  }
  Token t = make(TokKind::String, start, loc);
  t.str = std::move(value);
  return t;
}

Token Lexer::next() {
  Token t;
  if (failed_ || !skipTrivia()) {
    t.kind = TokKind::Eof;
    t.loc = here();
    if (!failed_) return t;
    t.kind = TokKind::Error;
    return t;
  }
  SourceLoc loc = here();
  size_t start = pos_;
  if (atEnd()) {
    t.loc = loc;
    prev_ = TokKind::Eof;
    return t;
  }
  char c = peekChar();
  auto single = [&](TokKind k) {
    bump();
    return make(k, start, loc);
  };
  switch (c) {
  case '(': t = single(TokKind::LParen); break;
  case ')': t = single(TokKind::RParen); break;
  case '[': t = single(TokKind::LBracket); break;
  case ']': t = single(TokKind::RBracket); break;
  case '{': t = single(TokKind::LBrace); break;
  case '}': t = single(TokKind::RBrace); break;
  case ',': t = single(TokKind::Comma); break;
  case ':': t = single(TokKind::Colon); break;
  case ';': t = single(TokKind::Semi); break;
  case '=': t = single(TokKind::Equal); break;
  case '.': t = single(TokKind::Dot); break;
  case '#': t = single(TokKind::Hash); break;
  case '%': t = lexName(TokKind::LocalName, start, loc); break;
  case '@': t = lexName(TokKind::GlobalName, start, loc); break;
  case '"': t = lexString(start, loc); break;
  case '-':
    if (peekChar(1) == '>') {
      bump(2);
      t = make(TokKind::Arrow, start, loc);
    } else if (isDigit(peekChar(1)) || text_.substr(pos_ + 1, 3) == "inf" ||
               text_.substr(pos_ + 1, 3) == "nan") {
      t = lexNumber(start, loc);
    } else {
      t = error(loc, "unexpected character '-'");
    }
    break;
  default:
    if (isDigit(c)) {
      t = lexNumber(start, loc);
    } else if (isNameStart(c)) {
      bump(scanDottedName(pos_) - pos_);
      t = make(TokKind::Ident, start, loc);
    } else {
      t = error(loc, "unexpected character " + showChar(c));
    }
  }
  prev_ = t.kind;
  return t;
}

} // namespace mtc::ir
