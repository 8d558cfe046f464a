#pragma once
// Readers for IDX files (the MNIST family), gzip-compressed or raw.

#include <QString>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/data/array_dataset.h"

namespace strata {

struct IdxArray {
  std::vector<int64_t> dims;
  std::vector<uint8_t> data;
};

// Reads an unsigned-byte IDX file, raw or gzip-compressed. Throws DataError naming the file and
// the problem; the dimensions are checked against kMaxArrayBytes and against what the file
// can hold before the data are allocated, and the data must end where the header says.
IdxArray readIdx(const QString& path);
IdxArray parseIdx(const uint8_t* data, size_t size, const std::string& where);

// Images [N, H, W] (or [N, C, H, W]) and, if labelsPath is not empty, labels [N].
std::shared_ptr<ArrayDataset> loadIdxDataset(const QString& imagesPath, const QString& labelsPath,
                                             const QString& name, const QStringList& classNames);
// The same from arrays already read; `where` names their files in messages.
std::shared_ptr<ArrayDataset> idxImageDataset(IdxArray images, const std::string& where,
                                              const QString& name);
void setIdxLabels(ArrayDataset& dataset, const IdxArray& labels, const std::string& where,
                  const QStringList& classNames);

// The labels file that conventionally sits beside an images file, or "" if none exists.
QString companionLabelsPath(const QString& imagesPath);

}  // namespace strata
