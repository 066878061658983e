// mtc — parser of the text format: expressions, literals, types and attribute values.
// SPDX-License-Identifier: Apache-2.0
#include "ir/parser_impl.h"

#include <charconv>
#include <cmath>
#include <fmt/format.h>
#include <limits>
#include <set>

namespace mtc::ir::detail {

namespace {
bool isDigit(char c) { return c >= '0' && c <= '9'; }
} // namespace

NumberParts splitNumber(std::string_view text) {
  NumberParts np;
  size_t p = 0;
  if (p < text.size() && text[p] == '-') ++p;
  if (p < text.size() && !isDigit(text[p])) { // -inf, -nan (the lexer only makes these)
    size_t end = std::min(text.size(), p + 3);
    np.numeric = text.substr(0, end);
    np.suffix = text.substr(end);
    np.floatSyntax = true;
    return np;
  }
  while (p < text.size() && isDigit(text[p])) ++p;
  if (p + 1 < text.size() && text[p] == '.' && isDigit(text[p + 1])) {
    np.floatSyntax = true;
    ++p;
    while (p < text.size() && isDigit(text[p])) ++p;
  }
  if (p + 1 < text.size() && (text[p] == 'e' || text[p] == 'E')) {
    size_t q = p + 1;
    if (q < text.size() && (text[q] == '+' || text[q] == '-')) ++q;
    if (q < text.size() && isDigit(text[q])) {
      np.floatSyntax = true;
      p = q;
      while (p < text.size() && isDigit(text[p])) ++p;
    }
  }
  np.numeric = text.substr(0, p);
  np.suffix = text.substr(p);
  return np;
}

std::optional<int64_t> parseInt64(std::string_view s) {
  bool neg = !s.empty() && s[0] == '-';
  if (neg) s.remove_prefix(1);
  if (s.empty()) return std::nullopt;
  uint64_t limit = neg ? uint64_t(1) << 63 : (uint64_t(1) << 63) - 1;
  uint64_t v = 0;
  for (char c : s) {
    if (!isDigit(c)) return std::nullopt;
    uint64_t d = static_cast<uint64_t>(c - '0');
    if (v > (limit - d) / 10) return std::nullopt;
    v = v * 10 + d;
  }
  // Two's complement negation of the magnitude; exact for -2^63 too.
  return neg ? static_cast<int64_t>(~v + 1) : static_cast<int64_t>(v);
}

// ----------------------------------------------------------------------------------------------
// Literals

bool Parser::parseFloat32(const Token &t, float &out) {
  if (t.is(TokKind::Ident)) {
    if (t.text == "inf") out = std::numeric_limits<float>::infinity();
    else if (t.text == "nan") out = std::numeric_limits<float>::quiet_NaN();
    else return false;
    return true;
  }
  if (!t.is(TokKind::Number)) return false;
  NumberParts np = splitNumber(t.text);
  if (!np.suffix.empty() && np.suffix != "f" && np.suffix != "f32") return false;
  bool neg = !np.numeric.empty() && np.numeric[0] == '-';
  std::string_view mag = neg ? np.numeric.substr(1) : np.numeric;
  if (mag == "inf" || mag == "nan") {
    out = mag == "inf" ? std::numeric_limits<float>::infinity()
                       : std::numeric_limits<float>::quiet_NaN();
    if (neg) out = std::copysign(out, -1.0f);
    return true;
  }
  const char *end = np.numeric.data() + np.numeric.size();
  auto r = std::from_chars(np.numeric.data(), end, out);
  if (r.ec == std::errc::result_out_of_range)
    fail(t.loc, fmt::format("float literal '{}' is out of range for float32", t.text));
  return r.ec == std::errc() && r.ptr == end;
}

Expr Parser::parseNumberLiteral(const Token &t) {
  NumberParts np = splitNumber(t.text);
  std::string_view sfx = np.suffix;
  if (sfx == "f" || sfx == "f32" || (sfx.empty() && np.floatSyntax)) {
    float f = 0;
    if (!parseFloat32(t, f)) fail(t.loc, fmt::format("invalid float literal '{}'", t.text));
    return b_.constant(Tensor::scalarFloat(f), t.loc);
  }
  DType dt;
  if (sfx.empty() || sfx == "i32") dt = DType::Int32;
  else if (sfx == "i8") dt = DType::Int8;
  else if (sfx == "u8") dt = DType::UInt8;
  else if (sfx == "i16") dt = DType::Int16;
  else if (sfx == "i64") dt = DType::Int64;
  else
    fail(t.loc, fmt::format("unknown literal suffix '{}' (expected i8, u8, i16, i32, i64 or f)",
                            sfx));
  if (np.floatSyntax)
    fail(t.loc, fmt::format("integer literal '{}' has a fraction or exponent", t.text));
  std::optional<int64_t> v = parseInt64(np.numeric);
  if (!v) fail(t.loc, fmt::format("integer literal '{}' does not fit in 64 bits", np.numeric));
  if (*v < dtypeMin(dt) || *v > dtypeMax(dt))
    fail(t.loc, fmt::format("integer literal {} is out of range for {} [{}, {}]", *v,
                            dtypeName(dt), dtypeMin(dt), dtypeMax(dt)));
  return b_.constant(Tensor::scalarInt(dt, *v), t.loc);
}

int64_t Parser::parseIndex(std::string_view what) {
  if (!tok_.is(TokKind::Number)) failExpected(what);
  NumberParts np = splitNumber(tok_.text);
  std::optional<int64_t> v;
  if (!np.floatSyntax && np.suffix.empty()) v = parseInt64(np.numeric);
  if (!v || *v < 0) fail(tok_.loc, fmt::format("invalid index '{}'", tok_.text));
  advance();
  return *v;
}

// `[relay.Constant][N]` after `meta`.
int64_t Parser::parseMetaIndexSuffix() {
  expect(TokKind::LBracket, "after 'meta'");
  if (!tok_.isIdent("relay.Constant")) {
    if (tok_.is(TokKind::Ident))
      fail(tok_.loc, fmt::format("unknown metadata kind '{}' (only relay.Constant is supported)",
                                 tok_.text));
    failExpected("'relay.Constant'");
  }
  advance();
  expect(TokKind::RBracket, "after 'meta[relay.Constant'");
  expect(TokKind::LBracket, "before the constant index");
  int64_t index = parseIndex("a constant index");
  expect(TokKind::RBracket, "after the constant index");
  return index;
}

// A reference may come before the metadata section that defines it: it gets a placeholder
// node, filled in by resolveReferences. Every reference to one index is the same node.
Expr Parser::parseMetaRef() {
  SourceLoc loc = tok_.loc;
  advance(); // 'meta'
  int64_t index = parseMetaIndexSuffix();
  auto it = metaRefs_.find(index);
  if (it != metaRefs_.end()) return it->second.node;
  ConstantNode *c = module_.ctx().make<ConstantNode>();
  c->loc = loc;
  metaRefs_.emplace(index, MetaRef{c, loc});
  metaRefOrder_.push_back(index);
  return c;
}

// ----------------------------------------------------------------------------------------------
// Expressions

Expr Parser::parseExpr() {
  DepthGuard guard(*this);
  SourceLoc start = tok_.loc;
  Expr e = parsePrimary();
  // Postfix projections and calls loop here rather than recurse, so `%t.0.1` or `%f(%a)(%b)`
  // chains of any length cost no stack.
  while (true) {
    if (accept(TokKind::Dot)) {
      int64_t index = parseIndex("a tuple index after '.'");
      e = b_.getItem(e, index, start);
    } else if (tok_.is(TokKind::LParen)) {
      std::vector<Expr> args = parseArgs();
      e = b_.callFunction(e, std::move(args), start);
    } else {
      return e;
    }
  }
}

Expr Parser::parsePrimary() {
  switch (tok_.kind) {
  case TokKind::LocalName: {
    Token name = take();
    return lookup(name);
  }
  case TokKind::GlobalName: {
    Token name = take();
    const GlobalVarNode *g = b_.globalVar(std::string(name.text), name.loc);
    globalRefs_.push_back(g);
    return g;
  }
  case TokKind::Number: {
    Token n = take();
    return parseNumberLiteral(n);
  }
  case TokKind::LParen: return parseParenOrTuple();
  case TokKind::Ident: {
    if (tok_.isIdent("fn")) {
      SourceLoc loc = tok_.loc;
      advance();
      return parseFunction(loc);
    }
    if (tok_.isIdent("True") || tok_.isIdent("False")) {
      Token t = take();
      return b_.constant(Tensor::scalarInt(DType::Bool, t.text == "True"), t.loc);
    }
    if (tok_.isIdent("meta")) return parseMetaRef();
    if (peek().is(TokKind::LParen)) {
      Token name = take();
      const OpDef *op = OpRegistry::global().find(name.text);
      if (!op) fail(name.loc, fmt::format("unknown op '{}'", name.text));
      return parseOpCall(name, op);
    }
    fail(tok_.loc, fmt::format("expected an expression, got {}", tok_.describe()));
  }
  default: failExpected("an expression");
  }
}

Expr Parser::parseOpCall(const Token &name, const OpDef *op) {
  advance(); // '('
  CallNode *call = module_.ctx().make<CallNode>();
  call->op = op;
  call->loc = name.loc;
  std::unique_ptr<Attrs> attrs = op->makeAttrs ? op->makeAttrs() : nullptr;
  std::set<std::string, std::less<>> seen;
  std::string where = fmt::format("in the arguments of '{}'", op->name);
  if (!tok_.is(TokKind::RParen)) {
    while (true) {
      if (tok_.is(TokKind::Ident) && peek().is(TokKind::Equal)) {
        Token key = take();
        advance(); // '='
        AttrValue v = parseAttrValue();
        if (!attrs) fail(key.loc, fmt::format("op '{}' takes no attributes", op->name));
        if (!seen.insert(std::string(key.text)).second)
          fail(key.loc, fmt::format("duplicate attribute '{}'", key.text));
        std::string err = attrs->set(key.text, v);
        if (!err.empty()) {
          // A value of the wrong kind is shown at the value, an unknown name at the name.
          bool known = false;
          for (const auto &f : attrs->fieldDocs()) known |= f.first == key.text;
          fail(known ? v.loc : key.loc, err);
        }
      } else {
        if (!seen.empty()) fail(tok_.loc, "positional argument after attributes");
        call->args.push_back(parseExpr());
      }
      if (accept(TokKind::Comma)) continue;
      if (tok_.is(TokKind::RParen)) break;
      failExpected("',' or ')' " + where);
    }
  }
  advance(); // ')'
  size_t n = call->args.size(), max = op->argNames.size();
  size_t min = static_cast<size_t>(std::max(op->minArgs, 0));
  if (n < min || (!op->variadic && n > max)) {
    std::string want = op->variadic ? fmt::format("at least {}", min)
                       : min == max ? fmt::format("{}", max)
                                    : fmt::format("{} to {}", min, max);
    fail(name.loc, fmt::format("op '{}' takes {} argument{}, got {}", op->name, want,
                               (want == "1" ? "" : "s"), n));
  }
  call->attrs = AttrsPtr(std::move(attrs));
  return call;
}

std::vector<Expr> Parser::parseArgs() {
  advance(); // '('
  std::vector<Expr> args;
  if (!tok_.is(TokKind::RParen)) {
    while (true) {
      args.push_back(parseExpr());
      if (accept(TokKind::Comma)) continue;
      if (tok_.is(TokKind::RParen)) break;
      failExpected("',' or ')' in the call arguments");
    }
  }
  advance(); // ')'
  return args;
}

// `()` is the empty tuple, `(e)` is e itself, `(e,)` a one-tuple, `(a, b)` a pair.
Expr Parser::parseParenOrTuple() {
  SourceLoc loc = tok_.loc;
  advance(); // '('
  if (accept(TokKind::RParen)) return b_.tuple({}, loc);
  Expr first = parseExpr();
  if (accept(TokKind::RParen)) return first;
  if (!accept(TokKind::Comma)) failExpected("',' or ')' after the expression");
  std::vector<Expr> fields{first};
  while (!tok_.is(TokKind::RParen)) {
    fields.push_back(parseExpr());
    if (accept(TokKind::Comma)) continue;
    if (!tok_.is(TokKind::RParen)) failExpected("',' or ')' in the tuple");
  }
  advance(); // ')'
  return b_.tuple(std::move(fields), loc);
}

// ----------------------------------------------------------------------------------------------
// Types

Type Parser::parseType() {
  DepthGuard guard(*this);
  if (tok_.isIdent("Tensor")) {
    advance();
    expect(TokKind::LBracket, "after 'Tensor'");
    Shape shape = parseShape();
    expect(TokKind::Comma, "after the shape");
    if (!tok_.is(TokKind::Ident)) failExpected("a dtype");
    std::optional<DType> dt = parseDType(tok_.text);
    if (!dt)
      fail(tok_.loc, fmt::format("unknown dtype '{}' (expected int8, uint8, int16, int32, int64, "
                                 "float32 or bool)",
                                 tok_.text));
    advance();
    expect(TokKind::RBracket, "to close 'Tensor['");
    return Type::tensor(std::move(shape), *dt);
  }
  if (tok_.is(TokKind::Ident)) {
    std::optional<DType> dt = parseDType(tok_.text);
    if (!dt) fail(tok_.loc, fmt::format("unknown type '{}'", tok_.text));
    advance();
    return Type::scalar(*dt);
  }
  if (accept(TokKind::LParen)) {
    if (accept(TokKind::RParen)) return Type::tuple({});
    Type first = parseType();
    if (accept(TokKind::RParen)) return first;
    if (!accept(TokKind::Comma)) failExpected("',' or ')' in the tuple type");
    std::vector<Type> fields{std::move(first)};
    while (!tok_.is(TokKind::RParen)) {
      fields.push_back(parseType());
      if (accept(TokKind::Comma)) continue;
      if (!tok_.is(TokKind::RParen)) failExpected("',' or ')' in the tuple type");
    }
    advance();
    return Type::tuple(std::move(fields));
  }
  failExpected("a type");
}

Shape Parser::parseShape() {
  SourceLoc loc = tok_.loc;
  expect(TokKind::LParen, "to start the shape");
  Shape shape;
  while (!tok_.is(TokKind::RParen)) {
    if (!tok_.is(TokKind::Number)) failExpected("a dimension");
    NumberParts np = splitNumber(tok_.text);
    std::optional<int64_t> d;
    if (!np.floatSyntax && np.suffix.empty()) d = parseInt64(np.numeric);
    if (!d || *d < 0)
      fail(tok_.loc, fmt::format("invalid dimension '{}' (dimensions are non-negative integers)",
                                 tok_.text));
    shape.push_back(*d);
    advance();
    if (accept(TokKind::Comma)) continue;
    if (!tok_.is(TokKind::RParen)) failExpected("',' or ')' in the shape");
  }
  advance(); // ')'
  if (checkedNumElements(shape, std::numeric_limits<int64_t>::max()) < 0)
    fail(loc, fmt::format("shape {} has too many elements", shapeStr(shape)));
  return shape;
}

// ----------------------------------------------------------------------------------------------
// Attribute values

AttrValue Parser::parseAttrValue() {
  DepthGuard guard(*this);
  SourceLoc loc = tok_.loc;
  AttrValue v;
  if (tok_.is(TokKind::Number)) {
    NumberParts np = splitNumber(tok_.text);
    if (np.suffix == "f" || np.suffix == "f32" || (np.suffix.empty() && np.floatSyntax)) {
      bool neg = !np.numeric.empty() && np.numeric[0] == '-';
      std::string_view mag = neg ? np.numeric.substr(1) : np.numeric;
      double d = 0;
      if (mag == "inf" || mag == "nan") {
        d = mag == "inf" ? std::numeric_limits<double>::infinity()
                         : std::numeric_limits<double>::quiet_NaN();
        if (neg) d = -d;
      } else {
        const char *end = np.numeric.data() + np.numeric.size();
        auto r = std::from_chars(np.numeric.data(), end, d);
        if (r.ec == std::errc::result_out_of_range)
          fail(loc, fmt::format("number '{}' is out of range", tok_.text));
        if (r.ec != std::errc() || r.ptr != end)
          fail(loc, fmt::format("invalid number '{}'", tok_.text));
      }
      v = AttrValue::ofFloat(d);
    } else if (np.suffix.empty()) {
      std::optional<int64_t> i = parseInt64(np.numeric);
      if (!i) fail(loc, fmt::format("integer '{}' does not fit in 64 bits", tok_.text));
      v = AttrValue::ofInt(*i);
    } else {
      fail(loc, fmt::format("attribute values take no dtype suffix: '{}'", tok_.text));
    }
    advance();
  } else if (tok_.is(TokKind::String)) {
    v = AttrValue::ofString(tok_.str);
    advance();
  } else if (tok_.isIdent("True") || tok_.isIdent("False")) {
    v = AttrValue::ofBool(tok_.text == "True");
    advance();
  } else if (tok_.isIdent("inf") || tok_.isIdent("nan")) {
    v = AttrValue::ofFloat(tok_.text == "inf" ? std::numeric_limits<double>::infinity()
                                              : std::numeric_limits<double>::quiet_NaN());
    advance();
  } else if (accept(TokKind::LBracket)) {
    std::vector<AttrValue> items;
    while (!tok_.is(TokKind::RBracket)) {
      items.push_back(parseAttrValue());
      if (accept(TokKind::Comma)) continue;
      if (!tok_.is(TokKind::RBracket)) failExpected("',' or ']' in the list");
    }
    advance();
    v = AttrValue::ofList(std::move(items));
  } else {
    failExpected("an attribute value (a number, a \"string\", True, False or a [list])");
  }
  v.loc = loc;
  return v;
}

} // namespace mtc::ir::detail
