#pragma once
// Readers for IDX files (the MNIST family), gzip-compressed or raw.

#include <QString>

#include <cstdint>
#include <memory>
#include <vector>

#include "core/array_dataset.h"

namespace strata {

struct IdxArray {
  std::vector<int64_t> dims;
  std::vector<uint8_t> data;
};

// Reads an unsigned-byte IDX file. Throws DataError naming the file and the problem.
IdxArray readIdx(const QString& path);

// Images [N, H, W] (or [N, C, H, W]) and, if labelsPath is not empty, labels [N].
std::shared_ptr<ArrayDataset> loadIdxDataset(const QString& imagesPath, const QString& labelsPath,
                                             const QString& name, const QStringList& classNames);

// The labels file that conventionally sits beside an images file, or "" if none exists.
QString companionLabelsPath(const QString& imagesPath);

}  // namespace strata
