#include "core/data/fashion_mnist.h"

#include <QDir>
#include <QFileInfo>

#include "core/base/errors.h"
#include "core/data/idx_reader.h"

namespace strata {

QString fashionMnistDirectory() {
  QString fromEnv = qEnvironmentVariable("STRATA_FASHION_MNIST_DIR");
  if (!fromEnv.isEmpty()) return fromEnv;
  return QStringLiteral("/usr/share/datasets/fashion-mnist");
}

static QString prefix(Split split) {
  return split == Split::Train ? QStringLiteral("train") : QStringLiteral("t10k");
}

QString fashionMnistImagesPath(Split split) {
  return QDir(fashionMnistDirectory()).filePath(prefix(split) + "-images-idx3-ubyte.gz");
}

bool fashionMnistAvailable() {
  return QFileInfo(fashionMnistImagesPath(Split::Test)).isFile();
}

QStringList fashionMnistClassNames() {
  return {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
          "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
}

std::shared_ptr<ArrayDataset> loadFashionMnist(Split split) {
  const QString images = fashionMnistImagesPath(split);
  if (!QFileInfo(images).isFile())
    throw DataError(images.toStdString(),
                    "Fashion-MNIST not found; install Debian's dataset-fashion-mnist package");
  const QString labels =
      QDir(fashionMnistDirectory()).filePath(prefix(split) + "-labels-idx1-ubyte.gz");
  const QString name = split == Split::Train ? QStringLiteral("Fashion-MNIST (train)")
                                             : QStringLiteral("Fashion-MNIST (test)");
  return loadIdxDataset(images, labels, name, fashionMnistClassNames());
}

}  // namespace strata
