#include "core/dataset_source.h"

#include <QFileInfo>

#include "core/errors.h"
#include "core/fashion_mnist.h"
#include "core/idx_reader.h"

namespace strata {

QString defaultDatasetSpec() { return QStringLiteral("fashion-mnist:test"); }

QString describeDatasetSpec(const QString& spec) {
  if (spec == "fashion-mnist:test") return QStringLiteral("Fashion-MNIST (test)");
  if (spec == "fashion-mnist:train") return QStringLiteral("Fashion-MNIST (train)");
  return QFileInfo(spec).fileName();
}

DatasetPtr openDataset(const QString& spec) {
  if (spec == "fashion-mnist:test") return loadFashionMnist(Split::Test);
  if (spec == "fashion-mnist:train") return loadFashionMnist(Split::Train);
  if (spec.startsWith("fashion-mnist:"))
    throw DataError(spec.toStdString(), "unknown split (use test or train)");
  const QFileInfo info(spec);
  if (!info.exists()) throw DataError(spec.toStdString(), "no such file");
  return loadIdxDataset(spec, companionLabelsPath(spec), info.fileName(), {});
}

}  // namespace strata
