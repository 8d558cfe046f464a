#pragma once
// Fashion-MNIST as installed by Debian's dataset-fashion-mnist package.

#include <QString>
#include <QStringList>

#include <memory>

#include "core/data/array_dataset.h"

namespace strata {

enum class Split { Train, Test };

// The folder holding the four .gz files: $STRATA_FASHION_MNIST_DIR if set, else Debian's.
QString fashionMnistDirectory();
QString fashionMnistImagesPath(Split split);
bool fashionMnistAvailable();
QStringList fashionMnistClassNames();

// Throws DataError (with a hint to install the package) if the files are missing.
std::shared_ptr<ArrayDataset> loadFashionMnist(Split split);

}  // namespace strata
