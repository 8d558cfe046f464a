#pragma once
// A .npy file opened by mapping it, not by reading it: the header is read and checked against
// the file's size, and values are converted from the mapped pages straight into the caller's
// memory, so no copy of the file's data is held in between (80 MB of 10 M x 2 float32
// coordinates cost their converted copy only). A file truncated by another process while it
// is mapped gives a DataError naming it, not a crash. Where mapping is refused (a file system
// without it), the data are read into memory instead, and everything else is the same.

#include <QString>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/data/npy.h"

namespace strata {

class FileSource;

class MappedNpy {
 public:
  // Throws DataError as readNpy does for a malformed, inconsistent or oversized file.
  explicit MappedNpy(const QString& path);
  ~MappedNpy();
  MappedNpy(const MappedNpy&) = delete;
  MappedNpy& operator=(const MappedNpy&) = delete;

  // Kind, word size, shape and file; its `bytes` are empty.
  const NpyArray& header() const { return header_; }
  const std::vector<int64_t>& shape() const { return header_.shape; }
  const std::string& where() const { return header_.where; }
  int64_t count() const { return header_.count(); }
  bool mapped() const { return mapped_; }

  // As NpyArray's conversions. Each also throws DataError if the file shrank since it was opened.
  void toFloat(float* out) const;
  std::vector<float> toFloat() const;
  std::vector<int64_t> toInt() const;
  std::string textAt(int64_t i) const;

 private:
  // Runs `convert` on consecutive parts of the data, each copied out of the mapping into an
  // NpyArray of its own (a few MB), with the index of its first element.
  template <class F>
  void forEachPart(F convert) const;
  // An array of `size` elements of this file's type, for a part copied out of the mapping.
  NpyArray emptyPart(int64_t size) const;
  // Copies elements [first, first + n) to `out`, or throws if the file shrank.
  void copyElements(int64_t first, int64_t n, void* out) const;

  NpyArray header_;
  std::unique_ptr<FileSource> source_;  // the open file the header was read from and mapped
  uint64_t offset_ = 0;                 // where the data start in it
  const uint8_t* data_ = nullptr;       // the first element, in the mapping or in `read_`
  std::vector<uint8_t> read_;           // the data, where the file could not be mapped
  bool mapped_ = false;
};

}  // namespace strata
