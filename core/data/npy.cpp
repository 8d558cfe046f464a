#include "core/data/npy.h"

#include <QFile>

#include <zlib.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <string_view>

#include "core/base/errors.h"
#include "core/data/byte_source.h"
#include "core/data/data_limits.h"

namespace strata {
namespace {

template <class T>
T readAs(const uint8_t* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}

uint32_t le32(const uint8_t* p) {
  return uint32_t(p[0]) | (uint32_t(p[1]) << 8) | (uint32_t(p[2]) << 16) | (uint32_t(p[3]) << 24);
}

bool isDigit(char c) {
  return c >= '0' && c <= '9';
}

struct NpyHeader {
  char kind = 'f';
  int wordSize = 4;
  std::vector<int64_t> shape;
};

// The text after "'key':" in the header's Python dict (numpy writes single quotes).
bool findValue(std::string_view header, std::string_view key, std::string_view& value) {
  for (const char quote : {'\'', '"'}) {
    const std::string quoted = quote + std::string(key) + quote;
    size_t at = header.find(quoted);
    if (at == std::string_view::npos) continue;
    at += quoted.size();
    while (at < header.size() && header[at] == ' ') ++at;
    if (at >= header.size() || header[at] != ':') return false;
    ++at;
    while (at < header.size() && header[at] == ' ') ++at;
    value = header.substr(at);
    return true;
  }
  return false;
}

void parseDescr(std::string_view value, NpyHeader& out, const std::string& where) {
  if (value.empty() || (value[0] != '\'' && value[0] != '"'))
    throw DataError(where, "unsupported dtype: structured arrays are not supported");
  const size_t close = value.find(value[0], 1);
  if (close == std::string_view::npos || close > 32)
    throw DataError(where, "malformed dtype in the .npy header");
  const std::string descr(value.substr(1, close - 1));
  const std::string unsupported = "unsupported dtype '" + descr + "' (numbers and booleans only)";
  // "<f4": byte order, kind, bytes per element.
  if (descr.size() < 3 || descr.size() > 4 ||
      std::string("<>|=").find(descr[0]) == std::string::npos ||
      std::string("fiub").find(descr[1]) == std::string::npos)
    throw DataError(where, unsupported);
  int size = 0;
  for (size_t i = 2; i < descr.size(); ++i) {
    if (!isDigit(descr[i])) throw DataError(where, unsupported);
    size = size * 10 + (descr[i] - '0');
  }
  if (size != 1 && size != 2 && size != 4 && size != 8) throw DataError(where, unsupported);
  if (descr[1] == 'f' && size < 4)
    throw DataError(where, "half-precision arrays are not supported");
  if (descr[1] == 'b' && size != 1) throw DataError(where, unsupported);
  if (descr[0] == '>' && size > 1) throw DataError(where, "big-endian arrays are not supported");
  out.kind = descr[1] == 'b' ? 'u' : descr[1];
  out.wordSize = size;
}

void parseShape(std::string_view value, NpyHeader& out, const std::string& where) {
  const std::string malformed = "malformed shape in the .npy header";
  if (value.empty() || value[0] != '(') throw DataError(where, malformed);
  size_t i = 1;
  auto skipSpaces = [&] {
    while (i < value.size() && value[i] == ' ') ++i;
  };
  for (;;) {
    skipSpaces();
    if (i >= value.size()) throw DataError(where, malformed);
    if (value[i] == ')') return;
    if (!isDigit(value[i])) throw DataError(where, malformed);
    int64_t d = 0;
    for (; i < value.size() && isDigit(value[i]); ++i) {
      if (d > (INT64_MAX - 9) / 10)
        throw DataError(where, "a dimension in the .npy header is too large");
      d = d * 10 + (value[i] - '0');
    }
    if (int(out.shape.size()) == kMaxNpyDims)
      throw DataError(where, "more than " + std::to_string(kMaxNpyDims) + " dimensions");
    out.shape.push_back(d);
    skipSpaces();
    if (i < value.size() && value[i] == ',')
      ++i;
    else if (i >= value.size() || value[i] != ')')
      throw DataError(where, malformed);
  }
}

NpyHeader parseHeader(std::string_view header, const std::string& where) {
  NpyHeader out;
  std::string_view value;
  if (!findValue(header, "descr", value))
    throw DataError(where, "the .npy header names no dtype ('descr')");
  parseDescr(value, out, where);
  if (findValue(header, "fortran_order", value) && value.substr(0, 4) == "True")
    throw DataError(where, "Fortran-ordered arrays are not supported; save with C order");
  if (!findValue(header, "shape", value)) throw DataError(where, "no shape in the .npy header");
  parseShape(value, out, where);
  return out;
}

std::string shapeText(const std::vector<int64_t>& shape) {
  std::string text = "(";
  for (size_t i = 0; i < shape.size(); ++i) text += (i ? ", " : "") + std::to_string(shape[i]);
  return text + (shape.size() == 1 ? ",)" : ")");
}

// Bytes of data the header declares; throws if that overflows or exceeds kMaxArrayBytes.
uint64_t payloadBytes(const NpyArray& a, const std::string& where) {
  uint64_t bytes = uint64_t(a.wordSize);
  bool overflow = false;
  for (int64_t d : a.shape)
    overflow = overflow || __builtin_mul_overflow(bytes, uint64_t(d), &bytes);
  if (overflow || bytes > kMaxArrayBytes)
    throw DataError(
        where, "the header declares a " + a.typeName() + " array of shape " + shapeText(a.shape) +
                   ", " + (overflow ? std::string("more than 2^64 bytes") : byteText(bytes)) +
                   ", more than the " + byteText(kMaxArrayBytes) + " Strata reads for one array");
  return bytes;
}

}  // namespace

int64_t NpyArray::count() const {
  int64_t n = 1;
  for (int64_t s : shape) n *= s;
  return n;
}

std::string NpyArray::typeName() const {
  const std::string bits = std::to_string(wordSize * 8);
  return kind == 'f' ? "float" + bits : kind == 'i' ? "int" + bits : "uint" + bits;
}

double NpyArray::valueAt(int64_t i) const {
  const uint8_t* p = bytes.data() + size_t(i) * size_t(wordSize);
  switch (kind) {
    case 'f':
      return wordSize == 8 ? readAs<double>(p) : readAs<float>(p);
    case 'i':
      return wordSize == 1   ? readAs<int8_t>(p)
             : wordSize == 2 ? readAs<int16_t>(p)
             : wordSize == 4 ? readAs<int32_t>(p)
                             : double(readAs<int64_t>(p));
    default:
      return wordSize == 1   ? readAs<uint8_t>(p)
             : wordSize == 2 ? readAs<uint16_t>(p)
             : wordSize == 4 ? readAs<uint32_t>(p)
                             : double(readAs<uint64_t>(p));
  }
}

bool NpyArray::integerAt(int64_t i, int64_t& value) const {
  const uint8_t* p = bytes.data() + size_t(i) * size_t(wordSize);
  if (kind == 'i' && wordSize == 8) {
    value = readAs<int64_t>(p);
    return true;
  }
  if (kind == 'u' && wordSize == 8) {
    const uint64_t u = readAs<uint64_t>(p);
    value = int64_t(u);
    return u <= uint64_t(INT64_MAX);
  }
  const double d = valueAt(i);
  // 2^63 is exact as a double; whole numbers in [-2^63, 2^63) fit an int64.
  if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0) || d != std::floor(d))
    return false;
  value = int64_t(d);
  return true;
}

std::string NpyArray::textAt(int64_t i) const {
  const uint8_t* p = bytes.data() + size_t(i) * size_t(wordSize);
  if (kind == 'u' && wordSize == 8) return std::to_string(readAs<uint64_t>(p));
  if (kind == 'i' && wordSize == 8) return std::to_string(readAs<int64_t>(p));
  const double d = valueAt(i);
  if (std::isnan(d)) return "nan";
  if (std::isinf(d)) return d > 0 ? "inf" : "-inf";
  char text[32];
  std::snprintf(text, sizeof text, "%.17g", d);
  return text;
}

std::vector<double> NpyArray::toDouble() const {
  const int64_t n = count();
  checkConvertedSize(where, n, sizeof(double));
  std::vector<double> out(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) out[size_t(i)] = valueAt(i);
  return out;
}

std::vector<float> NpyArray::toFloat() const {
  const int64_t n = count();
  checkConvertedSize(where, n, sizeof(float));
  std::vector<float> out(static_cast<size_t>(n));
  toFloat(out.data());
  return out;
}

void NpyArray::toFloat(float* out) const {
  const int64_t n = count();
  if (kind == 'f' && wordSize == 4) {
    std::memcpy(out, bytes.data(), size_t(n) * 4);
    return;
  }
  for (int64_t i = 0; i < n; ++i) out[size_t(i)] = float(valueAt(i));
}

std::vector<int64_t> NpyArray::toInt() const {
  const int64_t n = count();
  checkConvertedSize(where, n, sizeof(int64_t));
  std::vector<int64_t> out(static_cast<size_t>(n));
  toInt(out.data());
  return out;
}

void NpyArray::toInt(int64_t* out, int64_t firstIndex) const {
  const int64_t n = count();
  for (int64_t i = 0; i < n; ++i)
    if (!integerAt(i, out[size_t(i)]))
      throw DataError(where.empty() ? "array" : where,
                      "item " + std::to_string(firstIndex + i) + " is " + textAt(i) +
                          ", not a whole number in the 64-bit range");
}

NpyArray readNpyHeader(ByteStream& in, uint64_t& dataOffset) {
  const std::string& where = in.where();
  uint8_t prefix[12] = {};
  const uint64_t got = in.read(prefix, 10);
  if (got < 6 || std::memcmp(prefix, "\x93NUMPY", 6) != 0)
    throw DataError(where, "not a .npy array (wrong magic number)");
  if (got < 10) throw DataError(where, "truncated .npy header");
  const int major = prefix[6];
  uint64_t headerLength = 0, offset = 10;
  if (major == 1) {
    headerLength = uint64_t(prefix[8]) | (uint64_t(prefix[9]) << 8);
  } else if (major == 2 || major == 3) {
    if (in.read(prefix + 10, 2) < 2) throw DataError(where, "truncated .npy header");
    headerLength = le32(prefix + 8);
    offset = 12;
  } else {
    throw DataError(where, "unsupported .npy version " + std::to_string(major));
  }
  if (headerLength > kMaxNpyHeaderBytes)
    throw DataError(where, "the .npy header claims " + std::to_string(headerLength) +
                               " bytes; numpy writes headers of a few hundred");
  std::string header(size_t(headerLength), '\0');
  if (in.read(header.data(), headerLength) < headerLength)
    throw DataError(where, "truncated .npy header");
  const NpyHeader parsed = parseHeader(header, where);

  NpyArray array;
  array.kind = parsed.kind;
  array.wordSize = parsed.wordSize;
  array.shape = parsed.shape;
  array.where = where;
  const uint64_t payload = payloadBytes(array, where);
  const uint64_t start = offset + headerLength;
  // Check what the header declares against what the data can hold before allocating it.
  const uint64_t available = in.maxSize() > start ? in.maxSize() - start : 0;
  if (in.sizeIsExact() && available < payload)
    throw DataError(where, "truncated: the header declares " + std::to_string(payload) +
                               " bytes of data but only " + std::to_string(available) + " follow");
  if (in.sizeIsExact() && available > payload)
    throw DataError(where, "sizes disagree: the header declares " + std::to_string(payload) +
                               " bytes of data but " + std::to_string(available) + " follow");
  if (available < payload)
    throw DataError(where, "the header declares " + byteText(payload) +
                               " of data, more than its compressed data can hold");
  dataOffset = start;
  return array;
}

NpyArray readNpy(ByteStream& in) {
  const std::string& where = in.where();
  uint64_t start = 0;
  NpyArray array = readNpyHeader(in, start);
  const uint64_t payload = payloadBytes(array, where);
  array.bytes = allocateBytes(payload, where, "the array");
  const uint64_t read = in.read(array.bytes.data(), payload);
  if (read < payload)
    throw DataError(where, "truncated: the header declares " + std::to_string(payload) +
                               " bytes of data but only " + std::to_string(read) + " follow");
  if (in.hasMore())
    throw DataError(where, "sizes disagree: more data follow the " + std::to_string(payload) +
                               " bytes the header declares");
  return array;
}

NpyArray readNpy(const QString& path) {
  return withMemoryCheck(path, [&] {
    FileSource file(path, kMaxArrayBytes + kMaxNpyHeaderBytes + 12);
    StoredStream stream(file, 0, file.size(), file.where());
    return readNpy(stream);
  });
}

NpyArray parseNpy(const uint8_t* data, size_t size, const std::string& where) {
  MemorySource source(data, size, where);
  StoredStream stream(source, 0, size, where);
  return readNpy(stream);
}

namespace {
template <class T>
NpyArray makeTyped(const std::vector<T>& values, std::vector<int64_t> shape, char kind) {
  NpyArray a;
  a.kind = kind;
  a.wordSize = sizeof(T);
  a.shape = std::move(shape);
  a.bytes.resize(values.size() * sizeof(T));
  // An empty array (a plan without beta-VAE pairs) has no data pointer to copy from.
  if (!values.empty()) std::memcpy(a.bytes.data(), values.data(), a.bytes.size());
  return a;
}
}  // namespace

NpyArray makeNpy(const std::vector<float>& v, std::vector<int64_t> s) {
  return makeTyped(v, std::move(s), 'f');
}
NpyArray makeNpy(const std::vector<double>& v, std::vector<int64_t> s) {
  return makeTyped(v, std::move(s), 'f');
}
NpyArray makeNpy(const std::vector<uint8_t>& v, std::vector<int64_t> s) {
  return makeTyped(v, std::move(s), 'u');
}
NpyArray makeNpy(const std::vector<int64_t>& v, std::vector<int64_t> s) {
  return makeTyped(v, std::move(s), 'i');
}

std::vector<uint8_t> serializeNpy(const NpyArray& array) {
  std::string shape;
  for (int64_t s : array.shape) shape += std::to_string(s) + ", ";
  if (array.shape.size() > 1) shape.resize(shape.size() - 1);  // "(a, b)" but "(a,)"
  if (array.shape.size() > 1) shape.pop_back();
  std::string header = "{'descr': '" + std::string(array.wordSize == 1 ? "|" : "<") + array.kind +
                       std::to_string(array.wordSize) + "', 'fortran_order': False, 'shape': (" +
                       shape + "), }";
  const size_t unpadded = 10 + header.size() + 1;
  header.append((64 - unpadded % 64) % 64, ' ');
  header += '\n';
  std::vector<uint8_t> out = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0};
  out.push_back(uint8_t(header.size() & 0xff));
  out.push_back(uint8_t(header.size() >> 8));
  out.insert(out.end(), header.begin(), header.end());
  out.insert(out.end(), array.bytes.begin(), array.bytes.end());
  return out;
}

}  // namespace strata
