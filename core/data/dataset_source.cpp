#include "core/data/dataset_source.h"

#include <QFileInfo>
#include <QStringList>

#include <cmath>

#include "core/base/errors.h"
#include "core/data/array_readers.h"
#include "core/data/dsprites.h"
#include "core/data/fashion_mnist.h"
#include "core/data/idx_reader.h"

namespace strata {
namespace {

// "range=LOW,HIGH:PATH" -> the range and PATH; any other spec is returned as it is.
QString splitRange(const QString& spec, PixelRange& range) {
  static const QString prefix = QStringLiteral("range=");
  if (!spec.startsWith(prefix)) return spec;
  const int colon = spec.indexOf(':', prefix.size());
  const QStringList bounds = spec.mid(prefix.size(), colon - prefix.size()).split(',');
  bool lowOk = false, highOk = false;
  if (colon > 0 && bounds.size() == 2) {
    range.low = bounds[0].toDouble(&lowOk);
    range.high = bounds[1].toDouble(&highOk);
  }
  if (!lowOk || !highOk || !std::isfinite(range.low) || !std::isfinite(range.high) ||
      !(range.low < range.high) || !std::isfinite(range.high - range.low))
    throw DataError(spec.toStdString(),
                    "expected range=LOW,HIGH:FILE with finite numbers LOW < HIGH, e.g. "
                    "range=-1,1:images.npy");
  range.declared = true;
  return spec.mid(colon + 1);
}

}  // namespace

QString defaultDatasetSpec() {
  return QStringLiteral("fashion-mnist:test");
}

QString describeDatasetSpec(const QString& spec) {
  if (spec == "fashion-mnist:test") return QStringLiteral("Fashion-MNIST (test)");
  if (spec == "fashion-mnist:train") return QStringLiteral("Fashion-MNIST (train)");
  if (spec == "dsprites") return QStringLiteral("dSprites");
  if (spec.startsWith("embedding:")) return QFileInfo(spec.mid(10)).fileName();
  if (spec.startsWith("range=")) {
    const int colon = spec.indexOf(':');
    if (colon > 0)
      return QStringLiteral("%1 (stored in [%2])")
          .arg(QFileInfo(spec.mid(colon + 1)).fileName(), spec.mid(6, colon - 6));
  }
  return QFileInfo(spec).fileName();
}

DatasetPtr openDataset(const QString& spec) {
  if (spec == "fashion-mnist:test") return loadFashionMnist(Split::Test);
  if (spec == "fashion-mnist:train") return loadFashionMnist(Split::Train);
  if (spec.startsWith("fashion-mnist:"))
    throw DataError(spec.toStdString(), "unknown split (use test or train)");
  if (spec == "dsprites") return std::make_shared<DSpritesDataset>();
  PixelRange range;
  const QString path = splitRange(spec, range);
  const QFileInfo info(path);
  if (!info.exists()) throw DataError(path.toStdString(), "no such file or folder");
  const bool array =
      path.endsWith(".npz", Qt::CaseInsensitive) || path.endsWith(".npy", Qt::CaseInsensitive);
  if (range.declared && !array)
    throw DataError(path.toStdString(),
                    "a range applies to float images in .npy or .npz files; IDX files and "
                    "image folders hold integer pixels with a fixed range");
  if (info.isDir()) return loadImageFolder(path);
  if (array) return loadArrayDataset(path, range);
  return loadIdxDataset(path, companionLabelsPath(path), info.fileName(), {});
}

}  // namespace strata
