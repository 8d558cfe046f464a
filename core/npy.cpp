#include "core/npy.h"

#include <QFile>
#include <QFileInfo>

#include <zlib.h>

#include <cstring>
#include <regex>

#include "core/errors.h"

namespace strata {
namespace {

std::vector<uint8_t> readFile(const QString& path) {
  QFile file(path);
  if (!file.exists()) throw DataError(path.toStdString(), "no such file");
  if (!file.open(QIODevice::ReadOnly)) throw DataError(path.toStdString(), "cannot open the file");
  const QByteArray data = file.readAll();
  return std::vector<uint8_t>(data.begin(), data.end());
}

template <class T>
T readAs(const uint8_t* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}

uint16_t le16(const uint8_t* p) {
  return uint16_t(p[0] | (p[1] << 8));
}
uint32_t le32(const uint8_t* p) {
  return uint32_t(p[0]) | (uint32_t(p[1]) << 8) | (uint32_t(p[2]) << 16) | (uint32_t(p[3]) << 24);
}

}  // namespace

int64_t NpyArray::count() const {
  int64_t n = 1;
  for (int64_t s : shape) n *= s;
  return n;
}

std::vector<double> NpyArray::toDouble() const {
  const int64_t n = count();
  std::vector<double> out(static_cast<size_t>(n));
  const uint8_t* p = bytes.data();
  for (int64_t i = 0; i < n; ++i, p += wordSize) {
    double v = 0;
    switch (kind) {
      case 'f':
        v = wordSize == 8 ? readAs<double>(p) : readAs<float>(p);
        break;
      case 'i':
        v = wordSize == 1   ? readAs<int8_t>(p)
            : wordSize == 2 ? readAs<int16_t>(p)
            : wordSize == 4 ? readAs<int32_t>(p)
                            : double(readAs<int64_t>(p));
        break;
      default:
        v = wordSize == 1   ? readAs<uint8_t>(p)
            : wordSize == 2 ? readAs<uint16_t>(p)
            : wordSize == 4 ? readAs<uint32_t>(p)
                            : double(readAs<uint64_t>(p));
    }
    out[size_t(i)] = v;
  }
  return out;
}

std::vector<float> NpyArray::toFloat() const {
  if (kind == 'f' && wordSize == 4) {
    std::vector<float> out(static_cast<size_t>(count()));
    std::memcpy(out.data(), bytes.data(), out.size() * 4);
    return out;
  }
  const std::vector<double> d = toDouble();
  return std::vector<float>(d.begin(), d.end());
}

std::vector<int64_t> NpyArray::toInt() const {
  const std::vector<double> d = toDouble();
  return std::vector<int64_t>(d.begin(), d.end());
}

NpyArray parseNpy(const std::vector<uint8_t>& data, const std::string& where) {
  if (data.size() < 10 || std::memcmp(data.data(), "\x93NUMPY", 6) != 0)
    throw DataError(where, "not a .npy array (wrong magic number)");
  const int major = data[6];
  size_t headerLength = 0, offset = 0;
  if (major == 1) {
    headerLength = le16(data.data() + 8);
    offset = 10;
  } else if (major == 2 || major == 3) {
    if (data.size() < 12) throw DataError(where, "truncated .npy header");
    headerLength = le32(data.data() + 8);
    offset = 12;
  } else {
    throw DataError(where, "unsupported .npy version " + std::to_string(major));
  }
  if (data.size() < offset + headerLength) throw DataError(where, "truncated .npy header");
  const std::string header(reinterpret_cast<const char*>(data.data() + offset), headerLength);

  std::smatch m;
  if (!std::regex_search(header, m, std::regex("'descr':\\s*'([<>|=])([fiub])(\\d+)'")))
    throw DataError(where, "unsupported dtype in header: " + header);
  NpyArray array;
  if (m[1] == ">" && std::stoi(m[3]) > 1)
    throw DataError(where, "big-endian arrays are not supported");
  array.kind = m[2].str()[0];
  array.wordSize = std::stoi(m[3]);
  if (array.kind == 'b') array.kind = 'u';
  if (array.wordSize != 1 && array.wordSize != 2 && array.wordSize != 4 && array.wordSize != 8)
    throw DataError(where, "unsupported element size " + m[3].str());
  if (array.kind == 'f' && array.wordSize < 4)
    throw DataError(where, "half-precision arrays are not supported");
  if (std::regex_search(header, m, std::regex("'fortran_order':\\s*True")))
    throw DataError(where, "Fortran-ordered arrays are not supported; save with C order");
  if (!std::regex_search(header, m, std::regex("'shape':\\s*\\(([^)]*)\\)")))
    throw DataError(where, "no shape in header");
  const std::string dims = m[1];
  const std::regex number("\\d+");
  for (auto it = std::sregex_iterator(dims.begin(), dims.end(), number);
       it != std::sregex_iterator(); ++it)
    array.shape.push_back(std::stoll(it->str()));
  const size_t payload = size_t(array.count()) * size_t(array.wordSize);
  const size_t start = offset + headerLength;
  if (data.size() - start < payload)
    throw DataError(where, "truncated: the header declares " + std::to_string(payload) +
                               " bytes of data but only " + std::to_string(data.size() - start) +
                               " follow");
  array.bytes.assign(data.begin() + int64_t(start), data.begin() + int64_t(start + payload));
  return array;
}

NpyArray readNpy(const QString& path) {
  return parseNpy(readFile(path), path.toStdString());
}

std::map<std::string, NpyArray> readNpz(const QString& path) {
  const std::vector<uint8_t> zip = readFile(path);
  const std::string where = path.toStdString();
  std::map<std::string, NpyArray> arrays;
  size_t pos = 0;
  // Walk the local file headers; numpy writes sizes in them (no data descriptors).
  while (pos + 30 <= zip.size() && le32(zip.data() + pos) == 0x04034b50) {
    const uint8_t* h = zip.data() + pos;
    const uint16_t flags = le16(h + 6), method = le16(h + 8);
    uint64_t compressed = le32(h + 18), size = le32(h + 22);
    const uint16_t nameLength = le16(h + 26), extraLength = le16(h + 28);
    if (pos + 30 + nameLength + extraLength > zip.size())
      throw DataError(where, "truncated zip header");
    std::string name(reinterpret_cast<const char*>(h + 30), nameLength);
    // ZIP64 sizes live in the extra field.
    const uint8_t* extra = h + 30 + nameLength;
    for (size_t e = 0; e + 4 <= extraLength;) {
      const uint16_t id = le16(extra + e), len = le16(extra + e + 2);
      if (id == 1 && len >= 16) {
        size = readAs<uint64_t>(extra + e + 4);
        compressed = readAs<uint64_t>(extra + e + 12);
      }
      e += 4 + len;
    }
    if (flags & 0x08) throw DataError(where, "zip entries with data descriptors are not supported");
    const size_t dataStart = pos + 30 + nameLength + extraLength;
    if (dataStart + compressed > zip.size())
      throw DataError(where + ":" + name, "truncated zip member");
    std::vector<uint8_t> member;
    if (method == 0) {
      member.assign(zip.begin() + int64_t(dataStart),
                    zip.begin() + int64_t(dataStart + compressed));
    } else if (method == 8) {
      member.resize(size_t(size));
      z_stream stream{};
      if (inflateInit2(&stream, -MAX_WBITS) != Z_OK) throw DataError(where, "zlib failed");
      stream.next_in = const_cast<Bytef*>(zip.data() + dataStart);
      stream.avail_in = uInt(compressed);
      stream.next_out = member.data();
      stream.avail_out = uInt(size);
      const int rc = inflate(&stream, Z_FINISH);
      inflateEnd(&stream);
      if (rc != Z_STREAM_END) throw DataError(where + ":" + name, "corrupt compressed member");
    } else {
      throw DataError(where + ":" + name,
                      "unsupported zip compression method " + std::to_string(method));
    }
    if (name.size() > 4 && name.compare(name.size() - 4, 4, ".npy") == 0)
      name.resize(name.size() - 4);
    arrays[name] = parseNpy(member, where + ":" + name);
    pos = dataStart + compressed;
  }
  if (arrays.empty()) throw DataError(where, "not a .npz archive (no arrays found)");
  return arrays;
}

namespace {
template <class T>
NpyArray makeTyped(const std::vector<T>& values, std::vector<int64_t> shape, char kind) {
  NpyArray a;
  a.kind = kind;
  a.wordSize = sizeof(T);
  a.shape = std::move(shape);
  a.bytes.resize(values.size() * sizeof(T));
  std::memcpy(a.bytes.data(), values.data(), a.bytes.size());
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

void writeNpz(const QString& path, const std::map<std::string, NpyArray>& arrays) {
  QFile file(path);
  if (!file.open(QIODevice::WriteOnly))
    throw DataError(path.toStdString(), "cannot write the file");
  auto put16 = [](QByteArray& b, uint16_t v) { b.append(char(v & 0xff)).append(char(v >> 8)); };
  auto put32 = [&](QByteArray& b, uint32_t v) {
    put16(b, uint16_t(v & 0xffff));
    put16(b, uint16_t(v >> 16));
  };
  QByteArray central;
  uint32_t offset = 0;
  for (const auto& [key, array] : arrays) {
    const std::vector<uint8_t> data = serializeNpy(array);
    if (data.size() >= 0xffffffffu)
      throw DataError(path.toStdString(), "array too large for a zip32 archive");
    const std::string name = key + ".npy";
    const uint32_t crc = uint32_t(crc32(0L, data.data(), uInt(data.size())));
    QByteArray local;
    put32(local, 0x04034b50);
    put16(local, 20);
    put16(local, 0);
    put16(local, 0);
    put16(local, 0);
    put16(local, 0x21);  // time, date (1980-01-01)
    put32(local, crc);
    put32(local, uint32_t(data.size()));
    put32(local, uint32_t(data.size()));
    put16(local, uint16_t(name.size()));
    put16(local, 0);
    local.append(name.c_str(), qsizetype(name.size()));
    file.write(local);
    file.write(reinterpret_cast<const char*>(data.data()), qsizetype(data.size()));

    put32(central, 0x02014b50);
    put16(central, 20);
    put16(central, 20);
    put16(central, 0);
    put16(central, 0);
    put16(central, 0);
    put16(central, 0x21);
    put32(central, crc);
    put32(central, uint32_t(data.size()));
    put32(central, uint32_t(data.size()));
    put16(central, uint16_t(name.size()));
    put16(central, 0);
    put16(central, 0);
    put16(central, 0);
    put16(central, 0);
    put32(central, 0);
    put32(central, offset);
    central.append(name.c_str(), qsizetype(name.size()));
    offset += uint32_t(local.size() + qsizetype(data.size()));
  }
  QByteArray end;
  put32(end, 0x06054b50);
  put16(end, 0);
  put16(end, 0);
  put16(end, uint16_t(arrays.size()));
  put16(end, uint16_t(arrays.size()));
  put32(end, uint32_t(central.size()));
  put32(end, offset);
  put16(end, 0);
  file.write(central);
  file.write(end);
}

}  // namespace strata
