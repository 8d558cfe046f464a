#include "core/data/dataset_source.h"

#include <QFileInfo>

#include "core/base/errors.h"
#include "core/data/array_readers.h"
#include "core/data/dsprites.h"
#include "core/data/fashion_mnist.h"
#include "core/data/idx_reader.h"

namespace strata {

QString defaultDatasetSpec() {
  return QStringLiteral("fashion-mnist:test");
}

QString describeDatasetSpec(const QString& spec) {
  if (spec == "fashion-mnist:test") return QStringLiteral("Fashion-MNIST (test)");
  if (spec == "fashion-mnist:train") return QStringLiteral("Fashion-MNIST (train)");
  if (spec == "dsprites") return QStringLiteral("dSprites");
  if (spec.startsWith("embedding:")) return QFileInfo(spec.mid(10)).fileName();
  return QFileInfo(spec).fileName();
}

DatasetPtr openDataset(const QString& spec) {
  if (spec == "fashion-mnist:test") return loadFashionMnist(Split::Test);
  if (spec == "fashion-mnist:train") return loadFashionMnist(Split::Train);
  if (spec.startsWith("fashion-mnist:"))
    throw DataError(spec.toStdString(), "unknown split (use test or train)");
  if (spec == "dsprites") return std::make_shared<DSpritesDataset>();
  const QFileInfo info(spec);
  if (!info.exists()) throw DataError(spec.toStdString(), "no such file or folder");
  if (info.isDir()) return loadImageFolder(spec);
  if (spec.endsWith(".npz", Qt::CaseInsensitive) || spec.endsWith(".npy", Qt::CaseInsensitive))
    return loadArrayDataset(spec);
  return loadIdxDataset(spec, companionLabelsPath(spec), info.fileName(), {});
}

}  // namespace strata
