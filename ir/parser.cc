// mtc — parser of the text format: modules, functions, bodies, scopes and the metadata section.
// SPDX-License-Identifier: Apache-2.0
#include "ir/parser.h"

#include "ir/parser_impl.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fmt/format.h>

namespace mtc::ir {
namespace detail {

Parser::Parser(int32_t fileId, DiagEngine &diag)
    : lex_(diag.sources().text(fileId), fileId, diag), diag_(diag), file_(fileId),
      b_(module_.ctx()) {}

// ----------------------------------------------------------------------------------------------
// Tokens

void Parser::advance() {
  if (peeked_) {
    tok_ = std::move(*peeked_);
    peeked_.reset();
  } else {
    tok_ = lex_.next();
  }
  if (tok_.is(TokKind::Error)) throw ParseAbort{}; // the lexer has reported it
}

const Token &Parser::peek() {
  if (!peeked_) {
    peeked_ = lex_.next();
    if (peeked_->is(TokKind::Error)) throw ParseAbort{};
  }
  return *peeked_;
}

Token Parser::take() {
  Token t = tok_;
  advance();
  return t;
}

bool Parser::accept(TokKind k) {
  if (!tok_.is(k)) return false;
  advance();
  return true;
}

void Parser::fail(SourceLoc loc, const std::string &msg) {
  diag_.error(loc, msg);
  throw ParseAbort{};
}

void Parser::failExpected(std::string_view what) {
  fail(tok_.loc, fmt::format("expected {}, got {}", what, tok_.describe()));
}

Token Parser::expect(TokKind k, std::string_view context) {
  if (!tok_.is(k)) {
    if (context.empty())
      failExpected(tokKindName(k));
    else
      failExpected(fmt::format("{} {}", tokKindName(k), context));
  }
  return take();
}

void Parser::expectIdent(std::string_view word, std::string_view context) {
  if (!tok_.isIdent(word)) failExpected(fmt::format("'{}' {}", word, context));
  advance();
}

void Parser::enter() {
  if (++depth_ > kMaxNesting)
    fail(tok_.loc, fmt::format("nesting too deep (more than {} levels)", kMaxNesting));
}

// ----------------------------------------------------------------------------------------------
// Scopes

Expr Parser::lookup(const Token &name) {
  for (auto it = scopes_.rbegin(); it != scopes_.rend(); ++it) {
    auto f = it->find(std::string(name.text));
    if (f != it->end()) return f->second;
  }
  fail(name.loc, fmt::format("undefined variable '%{}'", name.text));
}

void Parser::checkFresh(const Token &name, std::string_view what) {
  if (scopes_.back().count(std::string(name.text)))
    fail(name.loc, fmt::format("{} '%{}' is already defined in this function", what, name.text));
}

void Parser::define(const Token &name, Expr e) { scopes_.back()[std::string(name.text)] = e; }

// ----------------------------------------------------------------------------------------------
// Module structure

std::optional<Module> Parser::run() {
  try {
    advance();
    if (tok_.is(TokKind::Hash)) parseVersionHeader();
    if (!tok_.isIdent("def")) failExpected("'def' to start a function");
    while (tok_.isIdent("def")) parseDef();
    if (tok_.is(TokKind::Hash)) parseMetadata();
    if (!tok_.is(TokKind::Eof)) failExpected("'def', '#[metadata]' or end of file");
    resolveReferences();
  } catch (const ParseAbort &) {
    return std::nullopt;
  }
  return module_;
}

void Parser::parseVersionHeader() {
  advance(); // '#'
  expect(TokKind::LBracket, "after '#'");
  if (tok_.isIdent("metadata")) fail(tok_.loc, "metadata section before any function");
  expectIdent("version", "in the header '#[version = \"...\"]'");
  expect(TokKind::Equal, "after 'version'");
  expect(TokKind::String, "(the version) after 'version ='");
  expect(TokKind::RBracket, "to close '#[version = ...'");
}

void Parser::parseDef() {
  SourceLoc loc = tok_.loc;
  advance(); // 'def'
  if (!tok_.is(TokKind::GlobalName)) failExpected("a function name '@name' after 'def'");
  Token name = take();
  std::string fname(name.text);
  if (module_.function(fname))
    fail(name.loc, fmt::format("function '@{}' is already defined", fname));
  const FunctionNode *fn = parseFunction(loc);
  module_.setFunction(fname, fn);
}

// Parses `(params and attrs) [-> Type] { body }` for both `def @f` and `fn` literals; the
// function gets its own scope, inside the scopes of the enclosing functions.
const FunctionNode *Parser::parseFunction(SourceLoc loc) {
  FunctionNode *fn = module_.ctx().make<FunctionNode>();
  fn->loc = loc;
  expect(TokKind::LParen, "to start the parameter list");
  scopes_.emplace_back();
  bool sawAttr = false;
  if (!tok_.is(TokKind::RParen)) {
    while (true) {
      if (tok_.is(TokKind::LocalName)) {
        if (sawAttr) fail(tok_.loc, "parameter after function attributes");
        Token name = take();
        checkFresh(name, "parameter");
        Type t;
        if (accept(TokKind::Colon)) t = parseType();
        const VarNode *v = b_.var(std::string(name.text), t, name.loc);
        fn->params.push_back(v);
        define(name, v);
      } else if (tok_.is(TokKind::Ident) && peek().is(TokKind::Equal)) {
        sawAttr = true;
        Token key = take();
        advance(); // '='
        AttrValue v = parseAttrValue();
        std::string k(key.text);
        if (fn->attrs.count(k))
          fail(key.loc, fmt::format("duplicate function attribute '{}'", k));
        fn->attrs.emplace(k, std::move(v));
      } else {
        failExpected("a parameter '%name: Type' or a function attribute 'key=value'");
      }
      if (accept(TokKind::Comma)) continue;
      if (tok_.is(TokKind::RParen)) break;
      failExpected("',' or ')' in the parameter list");
    }
  }
  advance(); // ')'
  if (accept(TokKind::Arrow)) fn->retType = parseType();
  expect(TokKind::LBrace, "to start the function body");
  fn->body = parseBody();
  scopes_.pop_back();
  return fn;
}

// `%name = expr;` bindings, then the result expression and '}'. Bindings name graph nodes (they
// are not let-expressions): a later `%name` is the very node bound here.
Expr Parser::parseBody() {
  while (tok_.is(TokKind::LocalName) && peek().is(TokKind::Equal)) {
    Token name = take();
    checkFresh(name, "name");
    advance(); // '='
    Expr e = parseExpr();
    expect(TokKind::Semi, "after the binding");
    define(name, e);
  }
  if (tok_.is(TokKind::RBrace)) failExpected("the result expression of the function body");
  Expr result = parseExpr();
  if (!tok_.is(TokKind::RBrace)) {
    if (tok_.is(TokKind::Semi))
      fail(tok_.loc, "the function body must end with an expression, not a binding");
    failExpected("'}' after the result expression");
  }
  advance();
  return result;
}

// ----------------------------------------------------------------------------------------------
// Metadata section: `#[metadata]` then `meta[relay.Constant][N] = Tensor[...] [v0, v1, ...]`.

void Parser::parseMetadata() {
  metaSectionLoc_ = tok_.loc;
  advance(); // '#'
  expect(TokKind::LBracket, "after '#'");
  if (tok_.isIdent("version")) fail(tok_.loc, "the version header must come first");
  expectIdent("metadata", "in the section header '#[metadata]'");
  expect(TokKind::RBracket, "to close '#[metadata'");
  while (tok_.isIdent("meta")) parseMetadataEntry();
}

void Parser::parseMetadataEntry() {
  SourceLoc entryLoc = tok_.loc;
  advance(); // 'meta'
  int64_t index = parseMetaIndexSuffix();
  std::string ref = fmt::format("meta[relay.Constant][{}]", index);
  if (metaData_.count(index)) fail(entryLoc, ref + " is defined twice");
  expect(TokKind::Equal, "after " + ref);
  SourceLoc typeLoc = tok_.loc;
  Type t = parseType();
  if (!t.isTensor()) fail(typeLoc, "a metadata constant must have a tensor type, got " + t.str());
  // Bytes of the largest constant we agree to build; larger shapes are rejected before
  // anything is allocated.
  constexpr int64_t kMaxBytes = int64_t(1) << 34;
  int64_t numel = checkedNumElements(t.shape(), kMaxBytes / dtypeBytes(t.dtype()));
  if (numel < 0) fail(typeLoc, fmt::format("{} has an absurd shape {}", ref, shapeStr(t.shape())));
  metaData_.emplace(index, parseMetadataValues(t, numel, entryLoc, index));
}

Tensor Parser::parseMetadataValues(const Type &t, int64_t numel, SourceLoc entryLoc,
                                   int64_t index) {
  std::string ref = fmt::format("meta[relay.Constant][{}]", index);
  expect(TokKind::LBracket, "to start the values of " + ref);
  DType dt = t.dtype();
  bool isFloat = dt == DType::Float32;
  // Values go to a vector first: its size is bounded by the text, whatever the declared shape.
  std::vector<int64_t> ints;
  std::vector<float> floats;
  size_t reserve = static_cast<size_t>(std::min<int64_t>(numel, lex_.remaining() / 2 + 1));
  (isFloat ? floats.reserve(reserve) : ints.reserve(reserve));
  int64_t count = 0;
  auto tooMany = [&] {
    fail(entryLoc, fmt::format("{} has more values than the {} elements of its type {}", ref,
                               numel, t.str()));
  };
  if (!tok_.is(TokKind::RBracket)) {
    while (true) {
      if (count == numel) tooMany();
      Token v = tok_;
      bool ok = false;
      if (isFloat) {
        float f = 0;
        ok = parseFloat32(v, f);
        floats.push_back(f);
      } else if (v.is(TokKind::Number)) {
        NumberParts np = splitNumber(v.text);
        std::optional<int64_t> x;
        if (!np.floatSyntax && np.suffix.empty()) x = parseInt64(np.numeric);
        if (x && (*x < dtypeMin(dt) || *x > dtypeMax(dt)))
          fail(v.loc, fmt::format("value {} is out of range for {}", *x, dtypeName(dt)));
        ok = x.has_value();
        ints.push_back(x.value_or(0));
      }
      if (!ok) {
        if (!v.is(TokKind::Number) && !v.is(TokKind::Ident))
          failExpected(fmt::format("a {} value or ']' in the data of {}", dtypeName(dt), ref));
        fail(v.loc, fmt::format("invalid {} value '{}'", dtypeName(dt), v.text));
      }
      ++count;
      advance();
      if (accept(TokKind::Comma)) continue;
      if (tok_.is(TokKind::RBracket)) break;
      failExpected(fmt::format("',' or ']' in the data of {}", ref));
    }
  }
  if (count != numel)
    fail(entryLoc, fmt::format("{} has {} values, but its type {} has {} elements", ref, count,
                               t.str(), numel));
  advance(); // ']'
  Tensor out = Tensor::zeros(t.shape(), dt);
  if (isFloat) {
    if (numel) std::memcpy(out.mutableData(), floats.data(), floats.size() * sizeof(float));
    return out;
  }
  uint8_t *raw = numel ? out.mutableData() : nullptr;
  for (int64_t i = 0; i < numel; ++i) {
    int64_t x = ints[i];
    switch (dt) {
    case DType::Int8: reinterpret_cast<int8_t *>(raw)[i] = static_cast<int8_t>(x); break;
    case DType::UInt8:
    case DType::Bool: raw[i] = static_cast<uint8_t>(x); break;
    case DType::Int16: reinterpret_cast<int16_t *>(raw)[i] = static_cast<int16_t>(x); break;
    case DType::Int32: reinterpret_cast<int32_t *>(raw)[i] = static_cast<int32_t>(x); break;
    case DType::Int64: reinterpret_cast<int64_t *>(raw)[i] = x; break;
    case DType::Float32: break;
    }
  }
  return out;
}

void Parser::resolveReferences() {
  for (int64_t index : metaRefOrder_) {
    MetaRef &r = metaRefs_.at(index);
    auto it = metaData_.find(index);
    if (it == metaData_.end())
      fail(r.loc, fmt::format("undefined metadata constant meta[relay.Constant][{}]{}", index,
                              metaSectionLoc_.valid() ? "" : " (the file has no metadata section)"));
    r.node->value = it->second;
    r.node->type = it->second.type();
  }
  int64_t expected = 0;
  for (const auto &[index, tensor] : metaData_) {
    if (index != expected)
      fail(metaSectionLoc_, fmt::format("meta[relay.Constant][{}] is missing: the metadata "
                                        "indices must be 0 to N-1",
                                        expected));
    ++expected;
  }
  for (const GlobalVarNode *g : globalRefs_)
    if (!module_.function(g->name))
      fail(g->loc, fmt::format("undefined function '@{}'", g->name));
}

} // namespace detail

static std::optional<Module> parseBuffer(int32_t fileId, DiagEngine &diag) {
  detail::Parser p(fileId, diag);
  return p.run();
}

std::optional<Module> parseModule(std::string_view text, const std::string &bufferName,
                                  DiagEngine &diag) {
  return parseBuffer(diag.sources().add(bufferName, std::string(text)), diag);
}

std::optional<Module> parseModuleFile(const std::string &path, DiagEngine &diag) {
  std::FILE *f = std::fopen(path.c_str(), "rb");
  if (!f) {
    diag.error(fmt::format("cannot open '{}': {}", path, std::strerror(errno)));
    return std::nullopt;
  }
  std::string text;
  char buf[1 << 16];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) text.append(buf, n);
  bool bad = std::ferror(f);
  int err = errno;
  std::fclose(f);
  if (bad) {
    diag.error(fmt::format("cannot read '{}': {}", path, std::strerror(err)));
    return std::nullopt;
  }
  return parseBuffer(diag.sources().add(path, std::move(text)), diag);
}

} // namespace mtc::ir
