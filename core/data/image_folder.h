#pragma once
// Datasets from folders of PNG/JPEG images.

#include <QByteArray>
#include <QImage>
#include <QString>

#include <memory>
#include <string>
#include <vector>

#include "core/data/array_dataset.h"

namespace strata {

// Every PNG/JPEG in the folder (sorted by name); with sub-folders, each sub-folder is a class.
// All images must share one size; grey images give 1 channel, others 3. Only regular files of
// at most kMaxImageFileBytes are read, and all pixels together at most kMaxArrayBytes.
std::shared_ptr<ArrayDataset> loadImageFolder(const QString& path);

// The PNG or JPEG image in `bytes` (format from the content, other formats refused); its size
// is checked before it is decoded. Throws DataError naming `where`.
QImage decodeImage(const QByteArray& bytes, const std::string& where);
// An image's pixels as one dataset item, CHW bytes of 1 (grey) or 3 (RGB) channels.
std::vector<uint8_t> itemPixels(const QImage& image, int channels);

}  // namespace strata
