#include "core/data/byte_source.h"

#include <QFileInfo>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <new>

#include "core/base/errors.h"
#include "core/data/data_limits.h"

namespace strata {
namespace {

// zlib counts in 32-bit unsigned ints: larger requests go through in pieces of this size.
constexpr uint64_t kZlibChunk = 1ULL << 30;
constexpr uint64_t kInputChunk = 1ULL << 20;

uint64_t regularFileSize(const QString& path, uint64_t maxBytes) {
  const std::string where = path.toStdString();
  const QFileInfo info(path);
  if (!info.exists()) throw DataError(where, "no such file");
  if (info.isDir()) throw DataError(where, "is a folder, not a file");
  // Devices, FIFOs and sockets have no size or never end: never read them.
  if (!info.isFile()) throw DataError(where, "is not a regular file (a device, FIFO or socket)");
  if (uint64_t(info.size()) > maxBytes)
    throw DataError(where, "is " + byteText(uint64_t(info.size())) + ", larger than the " +
                               byteText(maxBytes) + " Strata reads");
  return uint64_t(info.size());
}

uint64_t maxSizeFor(uint64_t compressed) {
  return compressed > UINT64_MAX / kMaxDeflateRatio ? UINT64_MAX : compressed * kMaxDeflateRatio;
}

}  // namespace

std::string byteText(uint64_t bytes) {
  char text[32];
  if (bytes >= (1ULL << 30))
    std::snprintf(text, sizeof text, "%.1f GB", double(bytes) / double(1ULL << 30));
  else if (bytes >= (1ULL << 20))
    std::snprintf(text, sizeof text, "%.1f MB", double(bytes) / double(1ULL << 20));
  else
    std::snprintf(text, sizeof text, "%llu bytes", static_cast<unsigned long long>(bytes));
  return text;
}

std::vector<uint8_t> allocateBytes(uint64_t size, const std::string& where, const char* what) {
  if (size > kMaxArrayBytes)
    throw DataError(where, std::string(what) + " would take " + byteText(size) +
                               ", more than the " + byteText(kMaxArrayBytes) +
                               " Strata holds for one array");
  try {
    return std::vector<uint8_t>(size_t(size));
  } catch (const std::bad_alloc&) {
    throw DataError(
        where, std::string(what) + " needs " + byteText(size) + " of memory, more than is free");
  }
}

void checkConvertedSize(const std::string& where, int64_t count, uint64_t elementBytes) {
  if (count < 0 || uint64_t(count) > kMaxArrayBytes / elementBytes)
    throw DataError(where.empty() ? "array" : where,
                    "converting " + std::to_string(count) + " values would take more than the " +
                        byteText(kMaxArrayBytes) + " Strata holds for one array");
}

void ByteSource::checkRange(uint64_t offset, uint64_t n) const {
  if (offset > size_ || n > size_ - offset)
    throw DataError(where_, "truncated: the file ends at byte " + std::to_string(size_) +
                                ", before byte " + std::to_string(offset) + " + " +
                                std::to_string(n) + " it refers to");
}

void MemorySource::read(uint64_t offset, void* out, uint64_t n) {
  checkRange(offset, n);
  if (n) std::memcpy(out, data_ + offset, size_t(n));
}

FileSource::FileSource(const QString& path, uint64_t maxBytes)
    : ByteSource(path.toStdString(), regularFileSize(path, maxBytes)), file_(path) {
  if (!file_.open(QIODevice::ReadOnly)) throw DataError(where(), "cannot be read");
}

void FileSource::read(uint64_t offset, void* out, uint64_t n) {
  checkRange(offset, n);
  if (!file_.seek(qint64(offset))) throw DataError(where(), "cannot be read");
  auto* p = static_cast<char*>(out);
  while (n > 0) {
    const qint64 got = file_.read(p, qint64(std::min(n, kZlibChunk)));
    // A file that shrinks while it is read ends early.
    if (got <= 0) throw DataError(where(), "cannot be read to the end (did it change?)");
    p += got;
    n -= uint64_t(got);
  }
}

StoredStream::StoredStream(ByteSource& source, uint64_t offset, uint64_t size, std::string where)
    : ByteStream(std::move(where)), source_(source), offset_(offset), size_(size) {}

uint64_t StoredStream::read(void* out, uint64_t n) {
  n = std::min(n, size_ - consumed_);
  source_.read(offset_ + consumed_, out, n);
  addToCrc(static_cast<const uint8_t*>(out), n);
  consumed_ += n;
  return n;
}

InflateStream::InflateStream(ByteSource& source, uint64_t offset, uint64_t compressedSize,
                             Format format, uint64_t declaredSize, std::string where)
    : ByteStream(std::move(where)),
      source_(source),
      next_(offset),
      end_(offset + compressedSize),
      compressed_(compressedSize),
      format_(format),
      declared_(declaredSize) {
  if (offset > source.size() || compressedSize > source.size() - offset)
    throw DataError(this->where(), "truncated: the compressed data run past the end of the file");
  if (declaredSize != kUndeclared && declaredSize > maxSizeFor(compressedSize))
    throw DataError(this->where(), "declares " + std::to_string(declaredSize) +
                                       " bytes inflated from " + std::to_string(compressedSize) +
                                       " compressed bytes, more than deflate can produce");
  // Raw deflate for zip members; gzip (header and CRC checked by zlib) otherwise.
  const int bits = format == Format::RawDeflate ? -MAX_WBITS : 16 + MAX_WBITS;
  if (inflateInit2(&z_, bits) != Z_OK) throw DataError(this->where(), "cannot start inflating");
}

InflateStream::~InflateStream() {
  inflateEnd(&z_);
}

uint64_t InflateStream::maxSize() const {
  return declared_ != kUndeclared ? declared_ : maxSizeFor(compressed_);
}

// Appends the next piece of compressed input to what inflate has not consumed yet.
bool InflateStream::refill() {
  if (next_ >= end_) return false;
  const uint64_t n = std::min(end_ - next_, kInputChunk);
  std::vector<uint8_t> buffer(size_t(z_.avail_in + n));
  if (z_.avail_in) std::memcpy(buffer.data(), z_.next_in, z_.avail_in);
  source_.read(next_, buffer.data() + z_.avail_in, n);
  next_ += n;
  input_.swap(buffer);
  z_.next_in = input_.data();
  z_.avail_in = uInt(input_.size());
  return true;
}

// A gzip file may hold several members back to back; anything else after one is ignored,
// as gzip and zlib's gzread do.
bool InflateStream::nextGzipMember() {
  if (format_ != Format::Gzip) return false;
  if (z_.avail_in < 2) refill();
  if (z_.avail_in < 2 || z_.next_in[0] != 0x1f || z_.next_in[1] != 0x8b) return false;
  if (inflateReset(&z_) != Z_OK) throw DataError(where(), "cannot restart inflating");
  ended_ = false;
  return true;
}

uint64_t InflateStream::read(void* out, uint64_t n) {
  auto* p = static_cast<uint8_t*>(out);
  uint64_t got = 0;
  while (got < n) {
    if (ended_ && !nextGzipMember()) break;
    if (z_.avail_in == 0) refill();
    z_.next_out = p + got;
    z_.avail_out = uInt(std::min(n - got, kZlibChunk));
    const uInt before = z_.avail_out;
    const uInt inputBefore = z_.avail_in;
    const int rc = inflate(&z_, Z_NO_FLUSH);
    const uint64_t made = before - z_.avail_out;
    addToCrc(p + got, made);
    got += made;
    produced_ += made;
    if (declared_ != kUndeclared && produced_ > declared_)
      throw DataError(where(), "inflates to more than the " + std::to_string(declared_) +
                                   " bytes its header declares");
    if (rc == Z_STREAM_END) {
      ended_ = true;
    } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
      throw DataError(
          where(), "corrupt compressed data (" + std::string(z_.msg ? z_.msg : "zlib error") + ")");
    } else if (made == 0 && z_.avail_in == inputBefore) {
      if (z_.avail_in == 0 && next_ >= end_)
        throw DataError(where(), "truncated compressed data (the stream ends early)");
      if (z_.avail_in != 0) throw DataError(where(), "corrupt compressed data (no progress)");
    }
  }
  return got;
}

bool InflateStream::hasMore() {
  uint8_t extra = 0;
  return read(&extra, 1) == 1;
}

}  // namespace strata
