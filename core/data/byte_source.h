#pragma once
// Checked access to the bytes of data files. A ByteSource reads parts of a regular file or of a
// buffer; a ByteStream reads one stored or deflated part of a source in order and never yields
// more than its container declares. Every failure is a DataError naming the file.

#include <QFile>
#include <QString>

#include <zlib.h>

#include <cstdint>
#include <new>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/base/errors.h"

namespace strata {

// "8.0 GB", "3.1 MB", "120 bytes": sizes in messages.
std::string byteText(uint64_t bytes);

// A vector of `size` bytes for `what` in `where`; a DataError instead of std::bad_alloc when
// the memory is not there.
std::vector<uint8_t> allocateBytes(uint64_t size, const std::string& where, const char* what);

// Throws a DataError naming `where` ("array" if empty) unless `count` converted values of
// `elementBytes` each stay within kMaxArrayBytes.
void checkConvertedSize(const std::string& where, int64_t count, uint64_t elementBytes);

// Runs `read`, the whole of reading `path`: a std::bad_alloc or std::length_error that a
// conversion or copy within the limits still meets becomes a DataError naming the file.
template <class F>
auto withMemoryCheck(const QString& path, F read) -> decltype(read()) {
  try {
    return read();
  } catch (const std::bad_alloc&) {
    throw DataError(path.toStdString(), "needs more memory than is free");
  } catch (const std::length_error&) {
    throw DataError(path.toStdString(), "is too large to hold in memory");
  }
}

class ByteSource {
 public:
  virtual ~ByteSource() = default;
  const std::string& where() const { return where_; }
  uint64_t size() const { return size_; }
  // Copies bytes [offset, offset + n) to `out`; throws DataError if they are not all there.
  virtual void read(uint64_t offset, void* out, uint64_t n) = 0;

 protected:
  ByteSource(std::string where, uint64_t size) : where_(std::move(where)), size_(size) {}
  void checkRange(uint64_t offset, uint64_t n) const;

 private:
  std::string where_;
  uint64_t size_;
};

class MemorySource final : public ByteSource {
 public:
  MemorySource(const uint8_t* data, uint64_t size, std::string where)
      : ByteSource(std::move(where), size), data_(data) {}
  void read(uint64_t offset, void* out, uint64_t n) override;

 private:
  const uint8_t* data_;
};

// A regular file of at most `maxBytes`: folders, devices, FIFOs and sockets are refused before
// anything is read from them.
class FileSource final : public ByteSource {
 public:
  FileSource(const QString& path, uint64_t maxBytes);
  void read(uint64_t offset, void* out, uint64_t n) override;
  // The open file, to map the bytes that were checked through this source (MappedNpy).
  QFile& file() { return file_; }

 private:
  QFile file_;
};

class ByteStream {
 public:
  explicit ByteStream(std::string where) : where_(std::move(where)) {}
  virtual ~ByteStream() = default;
  ByteStream(const ByteStream&) = delete;
  ByteStream& operator=(const ByteStream&) = delete;

  const std::string& where() const { return where_; }
  // Reads up to n bytes; fewer only where the data ends. Throws DataError for corrupt data.
  virtual uint64_t read(void* out, uint64_t n) = 0;
  // Whether any byte is left after what was read (reads at most one more byte to find out).
  virtual bool hasMore() = 0;
  // The most bytes the stream can yield in all: exact for stored data, a bound for compressed.
  virtual uint64_t maxSize() const = 0;
  virtual bool sizeIsExact() const = 0;
  // CRC-32 of the bytes read so far.
  uint32_t crc() const { return crc_; }

 protected:
  // zlib returns 0 for a null buffer whatever the running value, so an empty read (an array
  // with no elements) must leave the CRC alone rather than reset it.
  void addToCrc(const uint8_t* data, uint64_t n) {
    if (n > 0) crc_ = uint32_t(crc32_z(crc_, data, n));
  }

 private:
  std::string where_;
  uint32_t crc_ = 0;
};

// Bytes [offset, offset + size) of a source, as they are.
class StoredStream final : public ByteStream {
 public:
  StoredStream(ByteSource& source, uint64_t offset, uint64_t size, std::string where);
  uint64_t read(void* out, uint64_t n) override;
  bool hasMore() override { return consumed_ < size_; }
  uint64_t maxSize() const override { return size_; }
  bool sizeIsExact() const override { return true; }

 private:
  ByteSource& source_;
  uint64_t offset_, size_, consumed_ = 0;
};

// The inflated bytes of [offset, offset + compressedSize) of a source: a raw deflate stream (a
// zip member) or gzip (one or more members). With a declared size, inflating stops with a
// DataError as soon as the data yields more; without, the deflate ratio bounds it.
class InflateStream final : public ByteStream {
 public:
  enum class Format { RawDeflate, Gzip };
  static constexpr uint64_t kUndeclared = UINT64_MAX;
  InflateStream(ByteSource& source, uint64_t offset, uint64_t compressedSize, Format format,
                uint64_t declaredSize, std::string where);
  ~InflateStream() override;
  uint64_t read(void* out, uint64_t n) override;
  bool hasMore() override;
  uint64_t maxSize() const override;
  bool sizeIsExact() const override { return declared_ != kUndeclared; }

 private:
  bool refill();
  bool nextGzipMember();

  ByteSource& source_;
  uint64_t next_, end_, compressed_;
  Format format_;
  uint64_t declared_;
  uint64_t produced_ = 0;
  bool ended_ = false;
  z_stream z_{};
  std::vector<uint8_t> input_;
};

}  // namespace strata
