// .npz archives: zip files of .npy members, stored or deflated, as numpy.savez and
// numpy.savez_compressed write them (ZIP64 sizes included).

#include <QFile>

#include <zlib.h>

#include <memory>

#include "core/base/errors.h"
#include "core/data/byte_source.h"
#include "core/data/data_limits.h"
#include "core/data/npy.h"

namespace strata {
namespace {

constexpr uint32_t kLocalHeader = 0x04034b50;
constexpr uint32_t kZip64Marker = 0xffffffffu;

uint16_t le16(const uint8_t* p) {
  return uint16_t(p[0] | (p[1] << 8));
}
uint32_t le32(const uint8_t* p) {
  return uint32_t(p[0]) | (uint32_t(p[1]) << 8) | (uint32_t(p[2]) << 16) | (uint32_t(p[3]) << 24);
}
uint64_t le64(const uint8_t* p) {
  return uint64_t(le32(p)) | (uint64_t(le32(p + 4)) << 32);
}

struct Member {
  std::string name, where;
  uint16_t flags = 0, method = 0;
  uint32_t crc = 0;
  uint64_t compressed = 0, size = 0, dataStart = 0;
};

// ZIP64 keeps sizes that do not fit 32 bits in extra field 1: the original size first, then
// the compressed size, each only if its 32-bit field holds the marker.
void readZip64Sizes(const std::vector<uint8_t>& extra, Member& m) {
  for (size_t e = 0; e + 4 <= extra.size();) {
    const uint16_t id = le16(extra.data() + e), length = le16(extra.data() + e + 2);
    if (length > extra.size() - e - 4) break;
    if (id == 1) {
      const uint8_t* field = extra.data() + e + 4;
      size_t used = 0;
      for (uint64_t* size : {&m.size, &m.compressed}) {
        if (*size != kZip64Marker) continue;
        if (used + 8 > length) break;
        *size = le64(field + used);
        used += 8;
      }
      if (m.size != kZip64Marker && m.compressed != kZip64Marker) return;
      break;
    }
    e += 4 + size_t(length);
  }
  throw DataError(m.where, "the member's ZIP64 sizes are missing from its extra field");
}

Member readLocalHeader(ByteSource& zip, uint64_t pos) {
  uint8_t h[30];
  zip.read(pos, h, sizeof h);
  Member m;
  m.flags = le16(h + 6);
  m.method = le16(h + 8);
  m.crc = le32(h + 14);
  m.compressed = le32(h + 18);
  m.size = le32(h + 22);
  const uint16_t nameLength = le16(h + 26), extraLength = le16(h + 28);
  m.name.resize(nameLength);
  zip.read(pos + 30, m.name.data(), nameLength);
  m.where = zip.where() + ":" + m.name;
  std::vector<uint8_t> extra(extraLength);
  zip.read(pos + 30 + nameLength, extra.data(), extraLength);
  if (m.size == kZip64Marker || m.compressed == kZip64Marker) readZip64Sizes(extra, m);
  m.dataStart = pos + 30 + nameLength + extraLength;
  return m;
}

bool atLocalHeader(ByteSource& zip, uint64_t pos) {
  if (zip.size() < 4 || pos > zip.size() - 4) return false;
  uint8_t signature[4];
  zip.read(pos, signature, 4);
  return le32(signature) == kLocalHeader;
}

NpyArray readMember(ByteSource& zip, const Member& m) {
  if (m.flags & 0x01) throw DataError(m.where, "encrypted zip members are not supported");
  // numpy writes sizes into the local header; data descriptors come from streaming writers.
  if (m.flags & 0x08)
    throw DataError(m.where, "zip members with data descriptors are not supported");
  if (m.dataStart > zip.size() || m.compressed > zip.size() - m.dataStart)
    throw DataError(m.where, "truncated: the member's " + std::to_string(m.compressed) +
                                 " bytes run past the end of the archive");
  std::unique_ptr<ByteStream> stream;
  if (m.method == 0) {
    if (m.compressed != m.size)
      throw DataError(m.where, "the stored member's sizes disagree (" +
                                   std::to_string(m.compressed) + " and " + std::to_string(m.size) +
                                   " bytes)");
    stream = std::make_unique<StoredStream>(zip, m.dataStart, m.size, m.where);
  } else if (m.method == 8) {
    stream = std::make_unique<InflateStream>(zip, m.dataStart, m.compressed,
                                             InflateStream::Format::RawDeflate, m.size, m.where);
  } else {
    throw DataError(m.where, "unsupported zip compression method " + std::to_string(m.method) +
                                 " (numpy writes stored or deflated members)");
  }
  NpyArray array = readNpy(*stream);
  if (stream->crc() != m.crc) throw DataError(m.where, "corrupt: its CRC-32 does not match");
  return array;
}

std::map<std::string, NpyArray> readNpz(ByteSource& zip) {
  std::map<std::string, NpyArray> arrays;
  uint64_t pos = 0, total = 0;
  // Walk the local headers in order: each member starts after the previous one's data, so
  // no size or offset, however forged, can send the reader backwards.
  while (atLocalHeader(zip, pos)) {
    if (arrays.size() == size_t(kMaxNpzMembers))
      throw DataError(zip.where(), "holds more than " + std::to_string(kMaxNpzMembers) +
                                       " arrays, more than Strata reads from one archive");
    const Member m = readLocalHeader(zip, pos);
    if (m.size > kMaxArrayBytes - total)
      throw DataError(m.where, "the archive's arrays hold more than the " +
                                   byteText(kMaxArrayBytes) + " Strata reads from one file");
    total += m.size;
    std::string key = m.name;
    if (key.size() > 4 && key.compare(key.size() - 4, 4, ".npy") == 0) key.resize(key.size() - 4);
    if (arrays.count(key)) throw DataError(m.where, "the archive holds this array twice");
    arrays.emplace(key, readMember(zip, m));
    pos = m.dataStart + m.compressed;
  }
  if (arrays.empty()) throw DataError(zip.where(), "not a .npz archive (no arrays found)");
  return arrays;
}

}  // namespace

std::map<std::string, NpyArray> readNpz(const QString& path) {
  return withMemoryCheck(path, [&] {
    // Headers and the central directory come on top of the arrays.
    FileSource file(path, kMaxArrayBytes + (64ULL << 20));
    return readNpz(file);
  });
}

std::map<std::string, NpyArray> parseNpz(const uint8_t* data, size_t size,
                                         const std::string& where) {
  MemorySource source(data, size, where);
  return readNpz(source);
}

namespace {

void put16(QByteArray& b, uint16_t v) {
  b.append(char(v & 0xff)).append(char(v >> 8));
}

void put32(QByteArray& b, uint32_t v) {
  put16(b, uint16_t(v & 0xffff));
  put16(b, uint16_t(v >> 16));
}

// A stored (uncompressed) member's local file header, name included.
QByteArray localHeader(const std::string& name, uint32_t crc, uint32_t size) {
  QByteArray local;
  put32(local, 0x04034b50);
  put16(local, 20);
  put16(local, 0);
  put16(local, 0);
  put16(local, 0);
  put16(local, 0x21);  // time, date (1980-01-01)
  put32(local, crc);
  put32(local, size);
  put32(local, size);
  put16(local, uint16_t(name.size()));
  put16(local, 0);
  local.append(name.c_str(), qsizetype(name.size()));
  return local;
}

// The member's central directory entry; its local header starts at `offset`.
void addCentralEntry(QByteArray& central, const std::string& name, uint32_t crc, uint32_t size,
                     uint32_t offset) {
  put32(central, 0x02014b50);
  put16(central, 20);
  put16(central, 20);
  put16(central, 0);
  put16(central, 0);
  put16(central, 0);
  put16(central, 0x21);
  put32(central, crc);
  put32(central, size);
  put32(central, size);
  put16(central, uint16_t(name.size()));
  put16(central, 0);
  put16(central, 0);
  put16(central, 0);
  put16(central, 0);
  put32(central, 0);
  put32(central, offset);
  central.append(name.c_str(), qsizetype(name.size()));
}

// End of central directory record.
QByteArray endRecord(size_t members, uint32_t centralSize, uint32_t centralOffset) {
  QByteArray end;
  put32(end, 0x06054b50);
  put16(end, 0);
  put16(end, 0);
  put16(end, uint16_t(members));
  put16(end, uint16_t(members));
  put32(end, centralSize);
  put32(end, centralOffset);
  put16(end, 0);
  return end;
}

}  // namespace

void writeNpz(const QString& path, const std::map<std::string, NpyArray>& arrays) {
  QFile file(path);
  if (!file.open(QIODevice::WriteOnly))
    throw DataError(path.toStdString(), "cannot write the file");
  // Every write is checked: a full disk or /dev/full must not leave a truncated archive that
  // claims success (the encoding cache, --plan and write-dsprites all write through here).
  auto write = [&](const char* bytes, qint64 size) {
    if (file.write(bytes, size) != size)
      throw DataError(path.toStdString(),
                      "cannot write the file: " + file.errorString().toStdString());
  };
  QByteArray central;
  uint32_t offset = 0;
  for (const auto& [key, array] : arrays) {
    const std::vector<uint8_t> data = serializeNpy(array);
    if (data.size() >= 0xffffffffu)
      throw DataError(path.toStdString(), "array too large for a zip32 archive");
    const std::string name = key + ".npy";
    const uint32_t crc = uint32_t(crc32(0L, data.data(), uInt(data.size())));
    const QByteArray local = localHeader(name, crc, uint32_t(data.size()));
    // Offsets are 32-bit without ZIP64, which this writer does not produce.
    if (uint64_t(offset) + uint64_t(local.size()) + data.size() >= 0xffffffffu)
      throw DataError(path.toStdString(), "arrays too large together for a zip32 archive (4 GB)");
    write(local.constData(), local.size());
    write(reinterpret_cast<const char*>(data.data()), qsizetype(data.size()));
    addCentralEntry(central, name, crc, uint32_t(data.size()), offset);
    offset += uint32_t(local.size() + qsizetype(data.size()));
  }
  const QByteArray end = endRecord(arrays.size(), uint32_t(central.size()), offset);
  write(central.constData(), central.size());
  write(end.constData(), end.size());
  if (!file.flush())
    throw DataError(path.toStdString(),
                    "cannot write the file: " + file.errorString().toStdString());
  file.close();
  if (file.error() != QFileDevice::NoError)
    throw DataError(path.toStdString(),
                    "cannot write the file: " + file.errorString().toStdString());
}

}  // namespace strata
