#include "core/model/encoding.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFileInfo>
#include <QStandardPaths>

#include <cmath>

#include "core/base/cache_folder.h"
#include "core/base/errors.h"
#include "core/data/npy.h"
#include "core/model/model_ops.h"
#include "core/model/traversal.h"

namespace strata {

QString encodedUnitLabel(const ModelInfo& info, int layer, int column) {
  if (layer >= 0) return unitLabel(info, layer, column);
  for (size_t l = 0; l < info.layers.size(); ++l) {
    const auto size = int(info.layers[l].size());
    if (column < size) return unitLabel(info, int(l), column);
    column -= size;
  }
  return QStringLiteral("unit %1").arg(column);
}

QString encodingKey(const Model& model, const Dataset& dataset, const EncodingChoice& choice) {
  const QFileInfo file(model.info().path);
  QCryptographicHash hash(QCryptographicHash::Sha1);
  hash.addData(file.absoluteFilePath().toUtf8());
  hash.addData(QByteArray::number(file.size()));
  hash.addData(QByteArray::number(file.lastModified().toMSecsSinceEpoch()));
  hash.addData(dataset.name().toUtf8());
  hash.addData(QByteArray::number(qint64(dataset.size())));
  hash.addData(QByteArray::number(qulonglong(dataset.contentFingerprint())));
  hash.addData(QByteArray::number(choice.layer));
  hash.addData(QByteArray::number(int(choice.sample)));
  hash.addData(QByteArray::number(qulonglong(choice.sample ? choice.seed : 0)));
  return QString::fromLatin1(hash.result().toHex());
}

namespace {

// Item i of a batch whose first item is `first`: its chosen layers' latents, its KL over all
// layers and its reconstruction error.
void storeItem(Encoding& e, const std::vector<LayerInfo>& layers, const std::vector<size_t>& chosen,
               const Posterior& q, const std::vector<float>& logPx, int64_t first, int64_t i) {
  float* row = e.latents.data() + size_t(first + i) * size_t(e.dims);
  for (size_t l : chosen) {
    const size_t units = size_t(layers[l].size());
    std::copy_n(q.z.layers[l].begin() + int64_t(size_t(i) * units), units, row);
    row += units;
  }
  double kl = 0;
  for (size_t l = 0; l < layers.size(); ++l) {
    const size_t units = size_t(layers[l].size());
    for (size_t u = size_t(i) * units; u < size_t(i + 1) * units; ++u) kl += unitKl(q, l, u);
  }
  e.kl[size_t(first + i)] = float(kl);
  e.reconstruction[size_t(first + i)] = -logPx[size_t(i)];
}

}  // namespace

Encoding encodeDataset(const Model& model, const Dataset& dataset, const EncodingChoice& choice,
                       const JobControl& job, int batch) {
  requireCompatible(model, dataset);
  const auto& layers = model.info().layers;
  std::vector<size_t> chosen;
  for (size_t l = 0; l < layers.size(); ++l)
    if (choice.layer < 0 || size_t(choice.layer) == l) chosen.push_back(l);
  if (chosen.empty()) throw std::invalid_argument("no such latent layer");
  Encoding e;
  e.items = dataset.size();
  for (size_t l : chosen) e.dims += int(layers[l].size());
  e.latents.resize(size_t(e.items) * size_t(e.dims));
  e.kl.resize(size_t(e.items));
  e.reconstruction.resize(size_t(e.items));
  e.description =
      QStringLiteral("%1 of %2, %3")
          .arg(choice.layer < 0 ? QStringLiteral("all layers") : layers[size_t(choice.layer)].name,
               model.info().name,
               choice.sample ? QStringLiteral("posterior samples (seed %1)").arg(choice.seed)
                             : QStringLiteral("posterior means"));
  SampleStream stream(choice.seed);
  const size_t pixels = size_t(dataset.itemShape().pixelCount());
  std::vector<float> x;
  for (int64_t first = 0; first < e.items; first += batch) {
    job.cancel.throwIfCancelled();
    const int64_t count = std::min<int64_t>(batch, e.items - first);
    x.resize(size_t(count) * pixels);
    dataset.copyBatch(first, count, x.data());
    Posterior q;
    std::vector<float> logPx;
    try {
      q = choice.sample ? model.posterior(x.data(), count, stream)
                        : model.posterior(x.data(), count, false);
      logPx = model.logPx(x.data(), count, q.z);
    } catch (const ModelOutputError& e) {
      throw e.offsetBy(first);  // name the dataset's items, not the batch's
    }
    for (int64_t i = 0; i < count; ++i) storeItem(e, layers, chosen, q, logPx, first, i);
    job.report(double(first + count) / double(e.items));
  }
  return e;
}

EncodingCache::EncodingCache(QString directory) : directory_(std::move(directory)) {
  if (directory_.isEmpty()) directory_ = CacheFolder::folder(QStringLiteral("encodings"));
}

QString EncodingCache::path(const QString& key) const {
  return QDir(directory_).filePath(key + ".npz");
}

bool EncodingCache::contains(const QString& key) const {
  return QFileInfo(path(key)).isFile();
}

bool EncodingCache::load(const QString& key, Encoding& out) const {
  if (!contains(key)) return false;
  try {
    const auto arrays = readNpz(path(key));
    const NpyArray& latents = arrays.at("latents");
    if (latents.shape.size() != 2) return false;
    Encoding e;
    e.items = latents.shape[0];
    e.dims = int(latents.shape[1]);
    e.latents = latents.toFloat();
    e.kl = arrays.at("kl").toFloat();
    e.reconstruction = arrays.at("reconstruction").toFloat();
    const std::vector<uint8_t>& text = arrays.at("description").bytes;
    e.description =
        QString::fromUtf8(reinterpret_cast<const char*>(text.data()), qsizetype(text.size()));
    if (e.kl.size() != size_t(e.items) || e.reconstruction.size() != size_t(e.items)) return false;
    out = std::move(e);
    CacheFolder::touch(path(key));
    return true;
  } catch (const std::exception&) {
    return false;  // a damaged cache entry is recomputed
  }
}

void EncodingCache::store(const QString& key, const Encoding& e) const {
  QDir().mkpath(directory_);
  const QByteArray text = e.description.toUtf8();
  writeNpz(path(key) + ".part",
           {{"latents", makeNpy(e.latents, {e.items, e.dims})},
            {"kl", makeNpy(e.kl, {e.items})},
            {"reconstruction", makeNpy(e.reconstruction, {e.items})},
            {"description",
             makeNpy(std::vector<uint8_t>(text.begin(), text.end()), {int64_t(text.size())})}});
  QFile::remove(path(key));
  QFile::rename(path(key) + ".part", path(key));
  CacheFolder::prune();
}

Encoding EncodingCache::get(const Model& model, const Dataset& dataset,
                            const EncodingChoice& choice, const JobControl& job,
                            bool* fromCache) const {
  const QString key = encodingKey(model, dataset, choice);
  Encoding e;
  if (load(key, e)) {
    if (fromCache) *fromCache = true;
    return e;
  }
  e = encodeDataset(model, dataset, choice, job);
  try {
    store(key, e);
  } catch (const Error&) {
    // A cache that cannot be written (full disk, read-only folder) is no error: the encoding
    // is computed again next time.
    QFile::remove(path(key) + ".part");
  }
  if (fromCache) *fromCache = false;
  return e;
}

}  // namespace strata
