// mtc — attribute values and their conversions.
// SPDX-License-Identifier: Apache-2.0
#include "ir/attrs.h"

#include <cmath>
#include <fmt/format.h>

namespace mtc::ir {

AttrValue AttrValue::ofInt(int64_t v) {
  AttrValue a;
  a.kind = Kind::Int;
  a.i = v;
  return a;
}
AttrValue AttrValue::ofFloat(double v) {
  AttrValue a;
  a.kind = Kind::Float;
  a.f = v;
  return a;
}
AttrValue AttrValue::ofBool(bool v) {
  AttrValue a;
  a.kind = Kind::Bool;
  a.b = v;
  return a;
}
AttrValue AttrValue::ofString(std::string v) {
  AttrValue a;
  a.kind = Kind::String;
  a.s = std::move(v);
  return a;
}
AttrValue AttrValue::ofList(std::vector<AttrValue> v) {
  AttrValue a;
  a.kind = Kind::List;
  a.list = std::move(v);
  return a;
}
AttrValue AttrValue::ofInts(const std::vector<int64_t> &v) {
  std::vector<AttrValue> l;
  for (int64_t x : v) l.push_back(ofInt(x));
  return ofList(std::move(l));
}

bool AttrValue::operator==(const AttrValue &o) const {
  if (kind != o.kind) return false;
  switch (kind) {
  case Kind::Int: return i == o.i;
  case Kind::Float: return f == o.f || (std::isnan(f) && std::isnan(o.f));
  case Kind::Bool: return b == o.b;
  case Kind::String: return s == o.s;
  case Kind::List: return list == o.list;
  }
  return false;
}

std::string_view AttrValue::kindName() const {
  switch (kind) {
  case Kind::Int: return "integer";
  case Kind::Float: return "float";
  case Kind::Bool: return "bool";
  case Kind::String: return "string";
  case Kind::List: return "list";
  }
  return "?";
}

static std::string quote(const std::string &s) {
  std::string r = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') r += '\\';
    if (c == '\n') {
      r += "\\n";
      continue;
    }
    r += c;
  }
  return r + "\"";
}

std::string AttrValue::str() const {
  switch (kind) {
  case Kind::Int: return std::to_string(i);
  case Kind::Float: {
    // Shortest text that parses back to the same double; always with a '.' or exponent so it
    // reads back as a float.
    std::string t = fmt::format("{}", f);
    if (t.find_first_of(".eEn") == std::string::npos) t += ".0";
    return t;
  }
  case Kind::Bool: return b ? "True" : "False";
  case Kind::String: return quote(s);
  case Kind::List: {
    std::string r = "[";
    for (size_t k = 0; k < list.size(); ++k) {
      if (k) r += ", ";
      r += list[k].str();
    }
    return r + "]";
  }
  }
  return "?";
}

namespace detail {

AttrValue toValue(int64_t v) { return AttrValue::ofInt(v); }
AttrValue toValue(double v) { return AttrValue::ofFloat(v); }
AttrValue toValue(bool v) { return AttrValue::ofBool(v); }
AttrValue toValue(const std::string &v) { return AttrValue::ofString(v); }
AttrValue toValue(const std::vector<int64_t> &v) { return AttrValue::ofInts(v); }
AttrValue toValue(const std::vector<double> &v) {
  std::vector<AttrValue> l;
  for (double x : v) l.push_back(AttrValue::ofFloat(x));
  return AttrValue::ofList(std::move(l));
}
AttrValue toValue(DType v) { return AttrValue::ofString(std::string(dtypeName(v))); }

static std::string expects(const char *what, const AttrValue &a) {
  return "expects " + std::string(what) + ", got " + std::string(a.kindName());
}

std::string fromValue(const AttrValue &a, int64_t &out) {
  if (a.kind == AttrValue::Kind::Int) {
    out = a.i;
    return "";
  }
  if (a.kind == AttrValue::Kind::Bool) {
    out = a.b;
    return "";
  }
  return expects("an integer", a);
}

std::string fromValue(const AttrValue &a, double &out) {
  if (a.kind == AttrValue::Kind::Float) {
    out = a.f;
    return "";
  }
  if (a.kind == AttrValue::Kind::Int) {
    out = static_cast<double>(a.i);
    return "";
  }
  return expects("a number", a);
}

std::string fromValue(const AttrValue &a, bool &out) {
  if (a.kind == AttrValue::Kind::Bool) {
    out = a.b;
    return "";
  }
  if (a.kind == AttrValue::Kind::Int && (a.i == 0 || a.i == 1)) {
    out = a.i != 0;
    return "";
  }
  return expects("True or False", a);
}

std::string fromValue(const AttrValue &a, std::string &out) {
  if (a.kind != AttrValue::Kind::String) return expects("a string", a);
  out = a.s;
  return "";
}

std::string fromValue(const AttrValue &a, std::vector<int64_t> &out) {
  if (a.kind == AttrValue::Kind::Int) { // a single integer means a 1-list, as in TVM
    out = {a.i};
    return "";
  }
  if (a.kind != AttrValue::Kind::List) return expects("a list of integers", a);
  std::vector<int64_t> r;
  for (const AttrValue &e : a.list) {
    if (e.kind != AttrValue::Kind::Int) return expects("a list of integers", e) + " element";
    r.push_back(e.i);
  }
  out = std::move(r);
  return "";
}

std::string fromValue(const AttrValue &a, std::vector<double> &out) {
  if (a.kind != AttrValue::Kind::List) return expects("a list of numbers", a);
  std::vector<double> r;
  for (const AttrValue &e : a.list) {
    double d;
    std::string err = fromValue(e, d);
    if (!err.empty()) return expects("a list of numbers", e) + " element";
    r.push_back(d);
  }
  out = std::move(r);
  return "";
}

std::string fromValue(const AttrValue &a, DType &out) {
  if (a.kind != AttrValue::Kind::String) return expects("a dtype string", a);
  auto t = parseDType(a.s);
  if (!t) return "has unknown dtype \"" + a.s + "\"";
  out = *t;
  return "";
}

AttrValue toValue(const std::vector<std::vector<int64_t>> &v) {
  std::vector<AttrValue> l;
  for (const auto &row : v) l.push_back(AttrValue::ofInts(row));
  return AttrValue::ofList(std::move(l));
}

std::string fromValue(const AttrValue &a, std::vector<std::vector<int64_t>> &out) {
  if (a.kind != AttrValue::Kind::List) return expects("a list of integer lists", a);
  std::vector<std::vector<int64_t>> r;
  for (const AttrValue &e : a.list) {
    std::vector<int64_t> row;
    if (e.kind != AttrValue::Kind::List || !fromValue(e, row).empty())
      return expects("a list of integer lists", e) + " element";
    r.push_back(std::move(row));
  }
  out = std::move(r);
  return "";
}

} // namespace detail
} // namespace mtc::ir
