#pragma once
// The items selected on the map as a CSV file: one "index,label" line per item, after a header.

#include <QByteArray>
#include <QString>

#include <vector>

#include "core/data/dataset.h"

namespace strata {

// The file's bytes; labels are the dataset's class names (empty without a dataset or labels),
// quoted when they hold a comma, a quote or a line break.
QByteArray selectionCsv(const std::vector<int>& indices, const Dataset* dataset);

// Writes selectionCsv() to `path` atomically; throws Error naming the file if it cannot.
void writeSelectionCsv(const QString& path, const std::vector<int>& indices,
                       const Dataset* dataset);

}  // namespace strata
