#pragma once
// Names a dataset in one string, so it can be remembered and reopened:
//   "fashion-mnist:test", "fashion-mnist:train", "dsprites" (generated), or the path of an
//   IDX images file, a .npy/.npz array file or a folder of PNG/JPEG images. Float images stored
//   in another range than [0, 1] are named with it: "range=-1,1:images.npy".

#include <QString>

#include "core/data/dataset.h"

namespace strata {

QString defaultDatasetSpec();
// A readable description of a spec, for menus and titles.
QString describeDatasetSpec(const QString& spec);
// Opens the dataset; throws DataError with a clear message if it cannot.
DatasetPtr openDataset(const QString& spec);

}  // namespace strata
