#include "core/data/mapped_npy.h"

#include <QFile>

#include <sys/stat.h>

#include <algorithm>

#include "core/base/errors.h"
#include "core/data/byte_source.h"
#include "core/data/data_limits.h"
#include "core/data/guarded_copy.h"

namespace strata {
namespace {

// Elements converted at a time from a mapping that is not already float32: 4 MB of int64.
constexpr int64_t kPartElements = 1 << 19;

uint64_t dataBytes(const NpyArray& header) {
  return uint64_t(header.count()) * uint64_t(header.wordSize);
}

}  // namespace

MappedNpy::MappedNpy(const QString& path) {
  withMemoryCheck(path, [&] {
    // One open file for the header, the size and the mapping: a file replaced under the same
    // name in between cannot pair one file's header with another's data.
    source_ = std::make_unique<FileSource>(path, kMaxArrayBytes + kMaxNpyHeaderBytes + 12);
    StoredStream stream(*source_, 0, source_->size(), source_->where());
    header_ = readNpyHeader(stream, offset_);
  });
  const uint64_t bytes = dataBytes(header_);
  if (bytes == 0) return;  // nothing to map; data_ is never read
  // The header and the data, no more (readNpyHeader checked the file is exactly that long).
  const uint64_t fileBytes = offset_ + bytes;
  if (uchar* mapping = source_->file().map(0, qint64(fileBytes))) {
    data_ = mapping + offset_;
    mapped_ = true;
    return;
  }
  // No mapping here: read the data from the same open file, as readNpy would.
  withMemoryCheck(path, [&] {
    read_ = allocateBytes(bytes, header_.where, "the array");
    source_->read(offset_, read_.data(), bytes);
  });
  data_ = read_.data();
}

MappedNpy::~MappedNpy() = default;

void MappedNpy::copyElements(int64_t first, int64_t n, void* out) const {
  const size_t word = size_t(header_.wordSize);
  bool whole = copyFromMapping(out, data_ + size_t(first) * word, size_t(n) * word);
  // A file cut within its last page reads as zeros there, without a fault: its size tells.
  if (whole && mapped_) {
    struct stat now {};
    whole = fstat(source_->file().handle(), &now) == 0 &&
            uint64_t(now.st_size) >= offset_ + dataBytes(header_);
  }
  if (!whole)
    throw DataError(
        header_.where,
        "the file shrank while it was read (another program changed it); open it again");
}

NpyArray MappedNpy::emptyPart(int64_t size) const {
  NpyArray part;
  part.kind = header_.kind;
  part.wordSize = header_.wordSize;
  part.where = header_.where;
  part.shape = {size};
  part.bytes.resize(size_t(size) * size_t(header_.wordSize));
  return part;
}

template <class F>
void MappedNpy::forEachPart(F convert) const {
  const int64_t n = count();
  NpyArray part = emptyPart(std::min(kPartElements, n));  // reused: only the last is shorter
  for (int64_t first = 0; first < n; first += kPartElements) {
    const int64_t size = std::min(kPartElements, n - first);
    part.shape = {size};
    part.bytes.resize(size_t(size) * size_t(header_.wordSize));
    copyElements(first, size, part.bytes.data());
    convert(part, first);
  }
}

void MappedNpy::toFloat(float* out) const {
  if (header_.kind == 'f' && header_.wordSize == 4) {
    copyElements(0, count(), out);  // the common case: straight from the pages, no part copies
    return;
  }
  forEachPart([&](const NpyArray& part, int64_t first) { part.toFloat(out + first); });
}

std::vector<float> MappedNpy::toFloat() const {
  checkConvertedSize(header_.where, count(), sizeof(float));
  std::vector<float> out(static_cast<size_t>(count()));
  toFloat(out.data());
  return out;
}

std::vector<int64_t> MappedNpy::toInt() const {
  checkConvertedSize(header_.where, count(), sizeof(int64_t));
  std::vector<int64_t> out(static_cast<size_t>(count()));
  forEachPart([&](const NpyArray& part, int64_t first) { part.toInt(out.data() + first, first); });
  return out;
}

std::string MappedNpy::textAt(int64_t i) const {
  NpyArray one = emptyPart(1);
  copyElements(i, 1, one.bytes.data());
  return one.textAt(0);
}

}  // namespace strata
