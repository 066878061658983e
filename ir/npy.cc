// mtc — NumPy .npy reading and writing.
//
// Format (numpy's NEP 1): "\x93NUMPY", major and minor version bytes, a little-endian header
// length (2 bytes in version 1, 4 bytes in versions 2 and 3), then an ASCII Python dict literal
// with 'descr', 'fortran_order' and 'shape', padded with spaces and ended by '\n'; the raw
// row-major data follows. The header is parsed by a small strict parser and every size is
// checked against the bytes actually present before the tensor is allocated.
// SPDX-License-Identifier: Apache-2.0
#include "ir/npy.h"

#include "ir/check.h"

#include <bit>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <sys/stat.h>
#include <unistd.h>

namespace mtc::ir {

static_assert(std::endian::native == std::endian::little,
              "the .npy code assumes a little-endian host");

namespace {

constexpr std::string_view kMagic = "\x93NUMPY";
/// Largest element count accepted from a file: far above any model tensor, far below what
/// would make byte counts overflow.
constexpr int64_t kMaxElements = int64_t(1) << 31;
/// Largest header accepted; numpy's own headers are a few hundred bytes.
constexpr size_t kMaxHeaderLen = size_t(1) << 20;
constexpr size_t kMaxRank = 64;

struct DescrInfo {
  std::string_view code; ///< without the byte-order character
  DType dtype;
  std::string_view written; ///< what serializeNpy writes
};

constexpr DescrInfo kDescrs[] = {
    {"i1", DType::Int8, "|i1"},  {"u1", DType::UInt8, "|u1"},  {"i2", DType::Int16, "<i2"},
    {"i4", DType::Int32, "<i4"}, {"i8", DType::Int64, "<i8"},  {"f4", DType::Float32, "<f4"},
    {"b1", DType::Bool, "|b1"},
};

/// Parses the header dict. Reports (through `err`) the first problem.
class HeaderParser {
public:
  explicit HeaderParser(std::string_view text) : s_(text) {}

  bool parse(std::string &descr, bool &fortran, Shape &shape, std::string &err) {
    skipSpace();
    if (!eat('{')) return fail(err, "header is not a dict (expected '{')");
    bool haveDescr = false, haveFortran = false, haveShape = false;
    while (true) {
      skipSpace();
      if (eat('}')) break;
      std::string key;
      if (!parseString(key)) return fail(err, "expected a quoted key in the header dict");
      skipSpace();
      if (!eat(':')) return fail(err, "expected ':' after key '" + key + "'");
      skipSpace();
      if (key == "descr") {
        if (haveDescr) return fail(err, "duplicate key 'descr'");
        if (!parseString(descr))
          return fail(err, "'descr' must be a string (structured dtypes are not supported)");
        haveDescr = true;
      } else if (key == "fortran_order") {
        if (haveFortran) return fail(err, "duplicate key 'fortran_order'");
        if (eatWord("True"))
          fortran = true;
        else if (eatWord("False"))
          fortran = false;
        else
          return fail(err, "'fortran_order' must be True or False");
        haveFortran = true;
      } else if (key == "shape") {
        if (haveShape) return fail(err, "duplicate key 'shape'");
        std::string msg = parseShape(shape);
        if (!msg.empty()) return fail(err, msg);
        haveShape = true;
      } else {
        return fail(err, "unknown key '" + key + "' in the header");
      }
      skipSpace();
      if (eat(',')) continue;
      skipSpace();
      if (eat('}')) break;
      return fail(err, "expected ',' or '}' in the header dict");
    }
    skipSpace();
    if (pos_ != s_.size()) return fail(err, "unexpected text after the header dict");
    if (!haveDescr) return fail(err, "the header has no 'descr'");
    if (!haveFortran) return fail(err, "the header has no 'fortran_order'");
    if (!haveShape) return fail(err, "the header has no 'shape'");
    return true;
  }

private:
  static bool fail(std::string &err, std::string msg) {
    err = std::move(msg);
    return false;
  }
  void skipSpace() {
    while (pos_ < s_.size() &&
           (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r'))
      ++pos_;
  }
  bool eat(char c) {
    if (pos_ < s_.size() && s_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  bool eatWord(std::string_view w) {
    if (s_.substr(pos_, w.size()) != w) return false;
    pos_ += w.size();
    return true;
  }
  bool parseString(std::string &out) {
    if (pos_ >= s_.size() || (s_[pos_] != '\'' && s_[pos_] != '"')) return false;
    char q = s_[pos_++];
    size_t end = s_.find(q, pos_);
    if (end == std::string_view::npos) return false;
    out = std::string(s_.substr(pos_, end - pos_));
    // Escapes never occur in numpy's keys or dtype codes; a backslash means something else.
    if (out.find('\\') != std::string::npos) return false;
    pos_ = end + 1;
    return true;
  }
  /// "(1, 2)", "(3,)", "()"; returns an error message or "".
  std::string parseShape(Shape &shape) {
    shape.clear();
    if (!eat('(')) return "'shape' must be a tuple such as (1, 2)";
    while (true) {
      skipSpace();
      if (eat(')')) return "";
      if (pos_ < s_.size() && s_[pos_] == '-') return "'shape' has a negative dimension";
      if (pos_ >= s_.size() || s_[pos_] < '0' || s_[pos_] > '9')
        return "'shape' must be a tuple of non-negative integers";
      int64_t v = 0;
      while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') {
        int d = s_[pos_++] - '0';
        if (v > (INT64_MAX - d) / 10) return "'shape' has a dimension too large to represent";
        v = v * 10 + d;
      }
      eat('L'); // Python 2 numpy wrote long integers as "3L"
      if (shape.size() == kMaxRank)
        return "'shape' has more than " + std::to_string(kMaxRank) + " dimensions";
      shape.push_back(v);
      skipSpace();
      if (eat(')')) return "";
      if (!eat(',')) return "expected ',' or ')' in 'shape'";
    }
  }

  std::string_view s_;
  size_t pos_ = 0;
};

/// The parsed header of a .npy buffer.
struct NpyHeader {
  DType dtype = DType::Int8;
  Shape shape;
  size_t dataOffset = 0;
  size_t dataBytes = 0;
};

std::string descrError(const std::string &descr) {
  std::string list;
  for (const DescrInfo &d : kDescrs) list += (list.empty() ? "" : ", ") + std::string(d.written);
  return "unsupported dtype descr '" + descr + "' (supported: " + list + ")";
}

/// Parses magic, version and header from `prefix` (the first bytes of a source of `total`
/// bytes). Reports `what: message` and returns nullopt on any problem.
std::optional<NpyHeader> parseHeader(std::string_view prefix, size_t total,
                                     const std::string &what, DiagEngine &diag) {
  auto bad = [&](const std::string &msg) {
    diag.error(what + ": " + msg);
    return std::nullopt;
  };
  if (prefix.substr(0, kMagic.size()) != kMagic) return bad("not a .npy file (bad magic)");
  if (prefix.size() < kMagic.size() + 2) return bad("file ends inside the .npy preamble");
  auto major = static_cast<uint8_t>(prefix[6]), minor = static_cast<uint8_t>(prefix[7]);
  if (major < 1 || major > 3 || minor != 0)
    return bad("unsupported .npy format version " + std::to_string(major) + "." +
               std::to_string(minor));
  size_t lenBytes = major == 1 ? 2 : 4;
  if (prefix.size() < 8 + lenBytes) return bad("file ends inside the .npy preamble");
  size_t headerLen = 0;
  for (size_t i = 0; i < lenBytes; ++i)
    headerLen |= size_t(static_cast<uint8_t>(prefix[8 + i])) << (8 * i);
  size_t headerStart = 8 + lenBytes;
  if (headerLen > kMaxHeaderLen)
    return bad("header length " + std::to_string(headerLen) + " is implausibly large");
  if (headerStart + headerLen > total)
    return bad("header length " + std::to_string(headerLen) + " runs past the end of the data (" +
               std::to_string(total) + " bytes)");
  MTC_CHECK(headerStart + headerLen <= prefix.size()) << "the caller read too little header";
  std::string_view text = prefix.substr(headerStart, headerLen);
  for (char c : text)
    if (static_cast<unsigned char>(c) >= 0x80 || c == '\0')
      return bad("header contains non-ASCII bytes");

  std::string descr, err;
  bool fortran = false;
  NpyHeader h;
  if (!HeaderParser(text).parse(descr, fortran, h.shape, err)) return bad(err);

  bool found = false;
  if (descr.size() == 3) {
    char order = descr[0];
    std::string_view code = std::string_view(descr).substr(1);
    for (const DescrInfo &d : kDescrs) {
      if (code != d.code) continue;
      bool oneByte = dtypeBytes(d.dtype) == 1;
      if (order == '>' && !oneByte) return bad("big-endian data ('" + descr + "') is not supported");
      if (order == '<' || (oneByte && (order == '|' || order == '>'))) {
        h.dtype = d.dtype;
        found = true;
      }
    }
  }
  if (!found) return bad(descrError(descr));
  if (fortran && h.shape.size() > 1)
    return bad("Fortran-order arrays are not supported (save with order='C')");

  int64_t numel = checkedNumElements(h.shape, kMaxElements);
  if (numel < 0)
    return bad("shape " + shapeStr(h.shape) + " is too large (more than " +
               std::to_string(kMaxElements) + " elements)");
  h.dataOffset = headerStart + headerLen;
  h.dataBytes = static_cast<size_t>(numel) * static_cast<size_t>(dtypeBytes(h.dtype));
  size_t present = total - h.dataOffset;
  if (present < h.dataBytes)
    return bad("data is truncated: expected " + std::to_string(h.dataBytes) + " bytes, found " +
               std::to_string(present));
  if (present > h.dataBytes)
    return bad(std::to_string(present - h.dataBytes) + " unexpected bytes after the data");
  return h;
}

/// Bools must be 0 or 1: other bytes would make equal-looking tensors compare unequal.
bool checkBools(const Tensor &t, const std::string &what, DiagEngine &diag) {
  if (t.dtype() != DType::Bool) return true;
  const uint8_t *p = t.rawData();
  for (int64_t i = 0; i < t.numElements(); ++i)
    if (p[i] > 1) {
      diag.error(what + ": bool element " + std::to_string(i) + " is " + std::to_string(p[i]) +
                 ", not 0 or 1");
      return false;
    }
  return true;
}

std::string shapeTuple(const Shape &s) {
  std::string r = "(";
  for (size_t i = 0; i < s.size(); ++i) r += (i ? ", " : "") + std::to_string(s[i]);
  if (s.size() == 1) r += ",";
  return r + ")";
}

} // namespace

std::optional<Tensor> parseNpy(std::string_view bytes, const std::string &what,
                               DiagEngine &diag) {
  std::optional<NpyHeader> h = parseHeader(bytes, bytes.size(), what, diag);
  if (!h) return std::nullopt;
  Tensor t = Tensor::zeros(h->shape, h->dtype);
  if (h->dataBytes) std::memcpy(t.mutableData(), bytes.data() + h->dataOffset, h->dataBytes);
  if (!checkBools(t, what, diag)) return std::nullopt;
  return t;
}

std::optional<Tensor> readNpy(const std::string &path, DiagEngine &diag) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    diag.error(path + ": cannot open: " + std::strerror(errno));
    return std::nullopt;
  }
  if (!S_ISREG(st.st_mode)) {
    diag.error(path + ": cannot read: not a regular file");
    return std::nullopt;
  }
  std::FILE *f = std::fopen(path.c_str(), "rb");
  if (!f) {
    diag.error(path + ": cannot open: " + std::strerror(errno));
    return std::nullopt;
  }
  struct Closer {
    std::FILE *f;
    ~Closer() { std::fclose(f); }
  } closer{f};
  // The size comes from the file itself, so the header is validated against it before the data
  // is allocated; only the preamble and the header are read up front.
  size_t total = static_cast<size_t>(st.st_size);
  std::string prefix(std::min(total, kMaxHeaderLen + 12), '\0');
  if (std::fread(prefix.data(), 1, prefix.size(), f) != prefix.size()) {
    diag.error(path + ": read error");
    return std::nullopt;
  }
  std::optional<NpyHeader> h = parseHeader(prefix, total, path, diag);
  if (!h) return std::nullopt;
  Tensor t = Tensor::zeros(h->shape, h->dtype);
  if (h->dataBytes) {
    if (std::fseek(f, static_cast<long>(h->dataOffset), SEEK_SET) != 0 ||
        std::fread(t.mutableData(), 1, h->dataBytes, f) != h->dataBytes) {
      diag.error(path + ": read error (the file changed while being read?)");
      return std::nullopt;
    }
  }
  if (!checkBools(t, path, diag)) return std::nullopt;
  return t;
}

std::string serializeNpy(const Tensor &t) {
  std::string_view descr;
  for (const DescrInfo &d : kDescrs)
    if (d.dtype == t.dtype()) descr = d.written;
  std::string header = "{'descr': '" + std::string(descr) +
                       "', 'fortran_order': False, 'shape': " + shapeTuple(t.shape()) + ", }";
  // numpy pads so that the data starts at a multiple of 64 bytes; the header ends in '\n'.
  size_t unpadded = 10 + header.size() + 1;
  header.append((64 - unpadded % 64) % 64, ' ');
  header += '\n';
  std::string out(kMagic);
  out += '\x01';
  out += '\x00';
  out += static_cast<char>(header.size() & 0xff);
  out += static_cast<char>((header.size() >> 8) & 0xff);
  out += header;
  out.append(reinterpret_cast<const char *>(t.rawData()), t.byteSize());
  return out;
}

bool writeFileAtomic(const std::string &path, std::string_view bytes, DiagEngine &diag) {
  std::string tmp = path + ".tmp." + std::to_string(::getpid());
  std::FILE *f = std::fopen(tmp.c_str(), "wb");
  if (!f) {
    diag.error(path + ": cannot write: " + std::strerror(errno));
    return false;
  }
  int err = 0;
  if (std::fwrite(bytes.data(), 1, bytes.size(), f) != bytes.size() || std::fflush(f) != 0)
    err = errno ? errno : EIO;
  if (std::fclose(f) != 0 && !err) err = errno ? errno : EIO;
  if (!err && std::rename(tmp.c_str(), path.c_str()) != 0) err = errno;
  if (!err) return true;
  diag.error(path + ": cannot write: " + std::strerror(err));
  std::remove(tmp.c_str());
  return false;
}

bool writeNpy(const std::string &path, const Tensor &t, DiagEngine &diag) {
  return writeFileAtomic(path, serializeNpy(t), diag);
}

} // namespace mtc::ir
