// mtc — tests of .npy/.npz reading and writing: numpy-written fixtures, round trips, hostile input.
// SPDX-License-Identifier: Apache-2.0
#include "ir/npy.h"

#include <catch2/catch.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unistd.h>
#include <zip.h>

using namespace mtc;
using namespace mtc::ir;
namespace fs = std::filesystem;

namespace {

const std::string kData = std::string(MTC_SOURCE_DIR) + "/tests/unit/data/npy/";

std::string readBytes(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void writeBytes(const std::string &path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

/// A fresh scratch directory per test case, removed at the end.
struct TempDir {
  fs::path dir;
  TempDir() {
    static int counter = 0;
    dir = fs::temp_directory_path() /
          ("mtc-npy-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    fs::create_directories(dir);
  }
  ~TempDir() { fs::remove_all(dir); }
  std::string operator/(const std::string &name) const { return (dir / name).string(); }
  size_t entries() const {
    return static_cast<size_t>(std::distance(fs::directory_iterator(dir), {}));
  }
};

/// The formulas of scripts/make_npy_fixtures.py.
int64_t expectedInt(DType dt, int64_t i) {
  if (dt == DType::Bool) return i % 3 == 0;
  Tensor t = Tensor::scalarInt(dt, i * 37 - 50); // wraps like numpy's astype
  return t.intAt(0);
}
double expectedFloat(int64_t i) { return static_cast<float>(i * 0.25 - 1.5); }

void checkPattern(const Tensor &t, DType dt, const Shape &shape) {
  REQUIRE(t.dtype() == dt);
  REQUIRE(t.shape() == shape);
  for (int64_t i = 0; i < t.numElements(); ++i) {
    if (dt == DType::Float32)
      REQUIRE(t.floatAt(i) == expectedFloat(i));
    else
      REQUIRE(t.intAt(i) == expectedInt(dt, i));
  }
}

Tensor makePattern(DType dt, const Shape &shape) {
  Tensor t = Tensor::zeros(shape, dt);
  for (int64_t i = 0; i < t.numElements(); ++i) {
    if (dt == DType::Float32)
      t.setFloat(i, expectedFloat(i));
    else
      t.setInt(i, expectedInt(dt, i));
  }
  return t;
}

/// A .npy image with the given header text (padded as numpy does) and data bytes.
std::string makeNpy(const std::string &header, std::string_view data, int major = 1) {
  std::string h = header;
  size_t pre = major == 1 ? 10 : 12;
  while ((pre + h.size() + 1) % 64) h += ' ';
  h += '\n';
  std::string out = "\x93NUMPY";
  out += static_cast<char>(major);
  out += '\0';
  for (size_t i = 0; i < (major == 1 ? 2u : 4u); ++i) out += static_cast<char>((h.size() >> (8 * i)) & 0xff);
  return out + h + std::string(data);
}

/// Parses `bytes`, expects failure, returns the message.
std::string parseError(std::string_view bytes) {
  SourceManager sm;
  DiagEngine diag(sm);
  std::string out;
  diag.captureTo(&out);
  std::optional<Tensor> t = parseNpy(bytes, "X.npy", diag);
  INFO(out);
  REQUIRE_FALSE(t);
  REQUIRE(diag.errorCount() >= 1);
  REQUIRE(out.rfind("error: X.npy: ", 0) == 0);
  return out;
}

const DType kAllDTypes[] = {DType::Int8,  DType::UInt8,   DType::Int16, DType::Int32,
                            DType::Int64, DType::Float32, DType::Bool};

} // namespace

TEST_CASE("npy: reads numpy-written files of every dtype, byte-identical on rewrite", "[npy]") {
  SourceManager sm;
  DiagEngine diag(sm);
  for (DType dt : kAllDTypes) {
    std::string path = kData + std::string(dtypeName(dt)) + ".npy";
    INFO(path);
    std::optional<Tensor> t = readNpy(path, diag);
    REQUIRE(t);
    checkPattern(*t, dt, {2, 3, 4});
    // Our writer produces exactly numpy's bytes (same header text and padding).
    REQUIRE(serializeNpy(*t) == readBytes(path));
  }
  REQUIRE(diag.errorCount() == 0);
}

TEST_CASE("npy: rank 0, empty, 1-D and format versions 2 and 3", "[npy]") {
  SourceManager sm;
  DiagEngine diag(sm);
  auto s = readNpy(kData + "scalar_int32.npy", diag);
  REQUIRE(s);
  REQUIRE(s->shape().empty());
  REQUIRE(s->intAt(0) == -7);
  REQUIRE(serializeNpy(*s) == readBytes(kData + "scalar_int32.npy"));
  auto e = readNpy(kData + "empty_uint8.npy", diag);
  REQUIRE(e);
  REQUIRE(e->shape() == Shape{0, 3});
  REQUIRE(e->numElements() == 0);
  REQUIRE(serializeNpy(*e) == readBytes(kData + "empty_uint8.npy"));
  auto v = readNpy(kData + "vector_int64.npy", diag);
  REQUIRE(v);
  checkPattern(*v, DType::Int64, {5});
  REQUIRE(serializeNpy(*v) == readBytes(kData + "vector_int64.npy"));
  auto v2 = readNpy(kData + "v2_int16.npy", diag);
  REQUIRE(v2);
  checkPattern(*v2, DType::Int16, {3, 2});
  auto v3 = readNpy(kData + "v3_float32.npy", diag);
  REQUIRE(v3);
  checkPattern(*v3, DType::Float32, {4});
  REQUIRE(diag.errorCount() == 0);
}

TEST_CASE("npy: unsupported numpy files are clear errors", "[npy]") {
  SourceManager sm;
  DiagEngine diag(sm);
  std::string out;
  diag.captureTo(&out);
  REQUIRE_FALSE(readNpy(kData + "fortran_int32.npy", diag));
  REQUIRE(out.find("fortran_int32.npy: Fortran-order arrays are not supported") !=
          std::string::npos);
  REQUIRE_FALSE(readNpy(kData + "bigendian_int32.npy", diag));
  REQUIRE(out.find("big-endian data ('>i4') is not supported") != std::string::npos);
  REQUIRE_FALSE(readNpy(kData + "float64.npy", diag));
  REQUIRE(out.find("float64.npy: unsupported dtype descr '<f8'") != std::string::npos);
  REQUIRE_FALSE(readNpy(kData + "does_not_exist.npy", diag));
  REQUIRE(out.find("does_not_exist.npy: cannot open") != std::string::npos);
  REQUIRE(diag.errorCount() == 4);
}

TEST_CASE("npy: round trip of every dtype, rank 0 and zero-size dims", "[npy]") {
  TempDir tmp;
  SourceManager sm;
  DiagEngine diag(sm);
  const Shape shapes[] = {{}, {1}, {7}, {2, 3, 5}, {0}, {2, 0, 3}, {1, 1, 1, 1, 2}};
  std::map<std::string, Tensor> all;
  for (DType dt : kAllDTypes)
    for (const Shape &shape : shapes) {
      Tensor t = makePattern(dt, shape);
      std::string name = std::string(dtypeName(dt)) + "_" + std::to_string(all.size());
      INFO(name << " " << shapeStr(shape));
      auto parsed = parseNpy(serializeNpy(t), name, diag);
      REQUIRE(parsed);
      REQUIRE(parsed->bitEqual(t));
      REQUIRE(writeNpy(tmp / (name + ".npy"), t, diag));
      auto read = readNpy(tmp / (name + ".npy"), diag);
      REQUIRE(read);
      REQUIRE(read->bitEqual(t));
      all.emplace(name, t);
    }
  REQUIRE(writeNpz(tmp / "all.npz", all, diag));
  auto back = readNpz(tmp / "all.npz", diag);
  REQUIRE(back);
  REQUIRE(back->size() == all.size());
  for (const auto &[name, t] : all) {
    INFO(name);
    REQUIRE(back->count(name));
    REQUIRE(back->at(name).bitEqual(t));
  }
  // An empty archive is valid too.
  REQUIRE(writeNpz(tmp / "empty.npz", {}, diag));
  auto none = readNpz(tmp / "empty.npz", diag);
  REQUIRE(none);
  REQUIRE(none->empty());
  REQUIRE(diag.errorCount() == 0);
  // Only the outputs remain: no temporary files.
  REQUIRE(tmp.entries() == all.size() + 2);
}

TEST_CASE("npy: writing into a missing directory fails cleanly", "[npy]") {
  TempDir tmp;
  SourceManager sm;
  DiagEngine diag(sm);
  std::string out;
  diag.captureTo(&out);
  REQUIRE_FALSE(writeNpy(tmp / "no/such/dir/x.npy", Tensor::scalarInt(DType::Int8, 1), diag));
  REQUIRE(out.find("x.npy: cannot write") != std::string::npos);
  REQUIRE_FALSE(writeNpz(tmp / "no/such/dir/x.npz", {{"a", Tensor::scalarFloat(1)}}, diag));
  REQUIRE(out.find("x.npz: cannot write") != std::string::npos);
  REQUIRE(tmp.entries() == 0);
}

TEST_CASE("npz: numpy savez and savez_compressed archives", "[npy]") {
  SourceManager sm;
  DiagEngine diag(sm);
  auto stored = readNpz(kData + "stored.npz", diag);
  REQUIRE(stored);
  REQUIRE(stored->size() == 2);
  checkPattern(stored->at("weight"), DType::Int8, {2, 3, 4});
  checkPattern(stored->at("scale"), DType::Float32, {4});
  auto deflated = readNpz(kData + "deflated.npz", diag);
  REQUIRE(deflated);
  REQUIRE(deflated->size() == 2);
  checkPattern(deflated->at("weight"), DType::Int8, {2, 3, 4});
  checkPattern(deflated->at("bias"), DType::Int32, {6});
  REQUIRE(diag.errorCount() == 0);
}

TEST_CASE("npy: hostile headers are errors, never crashes", "[npy]") {
  std::string i4x3(12, '\1');
  // The accepted forms: any key order, double quotes, newlines, trailing commas.
  {
    SourceManager sm;
    DiagEngine diag(sm);
    auto t = parseNpy(makeNpy("{\"shape\": (3,),\n 'fortran_order': False, 'descr': '<i4',}", i4x3),
                      "X.npy", diag);
    REQUIRE(t);
    REQUIRE(t->shape() == Shape{3});
    REQUIRE(t->intAt(2) == 0x01010101);
    auto v2 = parseNpy(makeNpy("{'descr': '<i4', 'fortran_order': False, 'shape': (3,)}", i4x3, 2),
                       "X.npy", diag);
    REQUIRE(v2);
    auto f1 = parseNpy(makeNpy("{'descr': '<i4', 'fortran_order': True, 'shape': (3,)}", i4x3),
                       "X.npy", diag);
    REQUIRE(f1); // rank 1: Fortran and C order are the same layout
  }
  const std::string ok = "{'descr': '<i4', 'fortran_order': False, 'shape': (3,), }";
  REQUIRE(parseError("").find("bad magic") != std::string::npos);
  REQUIRE(parseError("\x93NUMPZ\x01\x00\x10\x00").find("bad magic") != std::string::npos);
  REQUIRE(parseError(std::string("\x93NUMPY\x01\x00\xe8\x03{}", 12)).find("runs past the end") !=
          std::string::npos);
  REQUIRE(parseError(std::string("\x93NUMPY\x01\x00", 8)).find("preamble") != std::string::npos);
  REQUIRE(parseError("\x93NUMPY\x01").find("preamble") != std::string::npos);
  std::string v4 = makeNpy(ok, i4x3);
  v4[6] = 4;
  REQUIRE(parseError(v4).find("unsupported .npy format version 4.0") != std::string::npos);
  REQUIRE(parseError(makeNpy("['descr', '<i4']", i4x3)).find("not a dict") != std::string::npos);
  REQUIRE(parseError(makeNpy("{'descr': '<i4', 'fortran_order': False}", i4x3))
              .find("the header has no 'shape'") != std::string::npos);
  REQUIRE(parseError(makeNpy("{'fortran_order': False, 'shape': (3,)}", i4x3))
              .find("the header has no 'descr'") != std::string::npos);
  REQUIRE(parseError(makeNpy("{'descr': '<i4', 'shape': (3,)}", i4x3))
              .find("no 'fortran_order'") != std::string::npos);
  REQUIRE(parseError(makeNpy(ok + "x", i4x3)).find("after the header dict") != std::string::npos);
  REQUIRE(parseError(makeNpy("{'descr': '<i4', 'descr': '<i4', 'fortran_order': False, "
                             "'shape': (3,)}",
                             i4x3))
              .find("duplicate key 'descr'") != std::string::npos);
  REQUIRE(parseError(makeNpy("{'descr': '<i4', 'fortran_order': False, 'shape': (3,), 'x': 1}",
                             i4x3))
              .find("unknown key 'x'") != std::string::npos);
  REQUIRE(parseError(makeNpy("{'descr': '<i4', 'fortran_order': 0, 'shape': (3,)}", i4x3))
              .find("True or False") != std::string::npos);
  REQUIRE(parseError(makeNpy("{'descr': '<i4', 'fortran_order': False, 'shape': [3]}", i4x3))
              .find("must be a tuple") != std::string::npos);
  REQUIRE(parseError(makeNpy("{'descr': [('a', '<i4')], 'fortran_order': False, 'shape': (3,)}",
                             i4x3))
              .find("'descr' must be a string") != std::string::npos);
  REQUIRE(parseError(makeNpy("{'descr': '<i4', 'fortran_order': False, 'shape': (-1, 3)}", i4x3))
              .find("negative dimension") != std::string::npos);
  REQUIRE(parseError(makeNpy("{'descr': '<i4', 'fortran_order': False, 'shape': "
                             "(99999999999999999999999,)}",
                             i4x3))
              .find("too large to represent") != std::string::npos);
  // 2^62 x 2^62 elements: rejected from the header alone, before any allocation.
  REQUIRE(parseError(makeNpy("{'descr': '<i4', 'fortran_order': False, 'shape': "
                             "(4611686018427387904, 4611686018427387904)}",
                             i4x3))
              .find("is too large") != std::string::npos);
  REQUIRE(parseError(makeNpy("{'descr': '<i4', 'fortran_order': False, 'shape': (65536, 65536)}",
                             i4x3))
              .find("is too large") != std::string::npos);
  REQUIRE(parseError(makeNpy("{'descr': '<i4', 'fortran_order': False, 'shape': (10,)}", i4x3))
              .find("data is truncated: expected 40 bytes, found 12") != std::string::npos);
  REQUIRE(parseError(makeNpy("{'descr': '<i4', 'fortran_order': False, 'shape': (2,)}", i4x3))
              .find("4 unexpected bytes after the data") != std::string::npos);
  for (const char *descr : {"<f8", ">i4", "<U3", "|O", "<i", "i4", "|i4", "<u2", "<c8"}) {
    INFO(descr);
    std::string h =
        std::string("{'descr': '") + descr + "', 'fortran_order': False, 'shape': (3,)}";
    std::string msg = parseError(makeNpy(h, i4x3));
    bool named = msg.find(std::string("'") + descr + "'") != std::string::npos;
    REQUIRE(named);
  }
  REQUIRE(parseError(makeNpy("{'descr': '<i4', 'fortran_order': True, 'shape': (1, 3)}", i4x3))
              .find("Fortran-order") != std::string::npos);
  REQUIRE(parseError(makeNpy("{'descr': '|b1', 'fortran_order': False, 'shape': (3,)}",
                             std::string("\1\0\2", 3)))
              .find("bool element 2 is 2") != std::string::npos);
  REQUIRE(parseError(makeNpy("{'descr': '<i4', 'fortran_order': False, 'shape': (3,)}\xff", i4x3))
              .find("non-ASCII") != std::string::npos);
}

TEST_CASE("npy: every truncation and byte flip of a real file is handled", "[npy]") {
  std::string good = readBytes(kData + "int32.npy");
  REQUIRE(good.size() > 128);
  for (size_t n = 0; n < good.size(); ++n) {
    SourceManager sm;
    DiagEngine diag(sm);
    std::string out;
    diag.captureTo(&out);
    REQUIRE_FALSE(parseNpy(std::string_view(good).substr(0, n), "cut.npy", diag));
    REQUIRE(diag.errorCount() == 1);
  }
  // Flipping header bytes must give either an error or a consistent tensor.
  for (size_t pos = 0; pos < 128; ++pos)
    for (int bit = 0; bit < 8; ++bit) {
      std::string bad = good;
      bad[pos] = static_cast<char>(bad[pos] ^ (1 << bit));
      SourceManager sm;
      DiagEngine diag(sm);
      std::string out;
      diag.captureTo(&out);
      auto t = parseNpy(bad, "flip.npy", diag);
      REQUIRE(bool(t) == (diag.errorCount() == 0));
      if (t) REQUIRE(t->byteSize() + 128 == bad.size());
    }
}

TEST_CASE("npy: truncated and absurd files on disk", "[npy]") {
  TempDir tmp;
  SourceManager sm;
  DiagEngine diag(sm);
  std::string out;
  diag.captureTo(&out);
  std::string good = readBytes(kData + "int32.npy");
  writeBytes(tmp / "cut.npy", std::string_view(good).substr(0, 150));
  REQUIRE_FALSE(readNpy(tmp / "cut.npy", diag));
  REQUIRE(out.find("cut.npy: data is truncated: expected 96 bytes, found 22") !=
          std::string::npos);
  writeBytes(tmp / "huge.npy",
             makeNpy("{'descr': '<i8', 'fortran_order': False, 'shape': (1048576, 1048576)}", ""));
  REQUIRE_FALSE(readNpy(tmp / "huge.npy", diag));
  REQUIRE(out.find("huge.npy: shape (1048576, 1048576) is too large") != std::string::npos);
  writeBytes(tmp / "big.npy",
             makeNpy("{'descr': '<i8', 'fortran_order': False, 'shape': (100000000,)}", "abc"));
  REQUIRE_FALSE(readNpy(tmp / "big.npy", diag));
  REQUIRE(out.find("big.npy: data is truncated: expected 800000000 bytes, found 3") !=
          std::string::npos);
  REQUIRE_FALSE(readNpy(tmp.dir.string(), diag)); // a directory
  REQUIRE(diag.errorCount() == 4);
}

namespace {

/// A zip with the given members (stored), written with libzip directly.
void writeZip(const std::string &path, const std::vector<std::pair<std::string, std::string>> &m) {
  int err = 0;
  zip_t *z = zip_open(path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &err);
  REQUIRE(z);
  for (const auto &[name, bytes] : m) {
    zip_source_t *src = zip_source_buffer(z, bytes.data(), bytes.size(), 0);
    REQUIRE(src);
    REQUIRE(zip_file_add(z, name.c_str(), src, 0) >= 0);
  }
  REQUIRE(zip_close(z) == 0);
}

std::string npzError(const std::string &path) {
  SourceManager sm;
  DiagEngine diag(sm);
  std::string out;
  diag.captureTo(&out);
  REQUIRE_FALSE(readNpz(path, diag));
  REQUIRE(diag.errorCount() == 1);
  REQUIRE(out.rfind("error: " + path + ": ", 0) == 0);
  return out;
}

} // namespace

TEST_CASE("npz: hostile archives are errors naming the file and member", "[npy]") {
  TempDir tmp;
  writeBytes(tmp / "text.npz", "this is not a zip file at all");
  REQUIRE(npzError(tmp / "text.npz").find("not a valid .npz (zip) file") != std::string::npos);
  writeBytes(tmp / "empty.npz", "");
  npzError(tmp / "empty.npz");
  REQUIRE(npzError(tmp / "missing.npz").find("cannot open") != std::string::npos);

  std::string stored = readBytes(kData + "stored.npz");
  for (size_t n : {size_t(10), stored.size() / 2, stored.size() - 1}) {
    writeBytes(tmp / "cut.npz", std::string_view(stored).substr(0, n));
    npzError(tmp / "cut.npz");
  }

  std::string good = readBytes(kData + "int32.npy");
  writeZip(tmp / "short.npz", {{"w.npy", good.substr(0, good.size() - 5)}});
  REQUIRE(npzError(tmp / "short.npz")
              .find("member 'w.npy': data is truncated: expected 96 bytes, found 91") !=
          std::string::npos);
  writeZip(tmp / "junk.npz", {{"ok.npy", good}, {"w.npy", "garbage"}});
  REQUIRE(npzError(tmp / "junk.npz").find("member 'w.npy': not a .npy file (bad magic)") !=
          std::string::npos);
  writeZip(tmp / "txt.npz", {{"readme.txt", "hello"}});
  REQUIRE(npzError(tmp / "txt.npz").find("member 'readme.txt': not a .npy member") !=
          std::string::npos);

  // Corrupt the compressed stream of the first member of a deflated archive.
  std::string deflated = readBytes(kData + "deflated.npz");
  REQUIRE(deflated.size() > 100);
  size_t nameLen = uint8_t(deflated[26]) | uint8_t(deflated[27]) << 8;
  size_t extraLen = uint8_t(deflated[28]) | uint8_t(deflated[29]) << 8;
  size_t dataStart = 30 + nameLen + extraLen;
  for (size_t off : {size_t(0), size_t(3), size_t(10)}) {
    std::string bad = deflated;
    bad[dataStart + off] = static_cast<char>(bad[dataStart + off] ^ 0x5a);
    writeBytes(tmp / "corrupt.npz", bad);
    npzError(tmp / "corrupt.npz");
  }
}
