#include "core/analysis/shard_folder.h"

#include <QDir>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonObject>
#include <QRegularExpression>

#include <algorithm>
#include <cmath>

#include "core/base/errors.h"
#include "core/base/file_io.h"
#include "core/data/array_dataset.h"
#include "core/data/array_readers.h"
#include "core/data/data_limits.h"
#include "core/data/mapped_npy.h"

namespace strata {
namespace {

const QString kManifest = QStringLiteral("manifest.json");
constexpr int kFormatVersion = 1;
// More shards than this is a manifest gone wrong (a million items per shard would still
// allow ten billion items).
constexpr int kMaxShards = 10000;

struct Shard {
  QString vectors, labels;  // paths; labels may be empty
  int64_t items = -1;       // -1: whatever the file holds (no manifest)
};

struct Plan {
  QString folder, manifest;  // manifest: "" when the folder has none
  bool coordinates = false;
  int dims = -1;
  int64_t items = -1;
  std::vector<Shard> shards;
};

// A file name from the manifest: a plain name inside the folder, nothing that leaves it.
QString shardPath(const QString& folder, const QJsonValue& name, const std::string& where,
                  const std::string& field) {
  const QString text = name.toString();
  static const QRegularExpression plain(QStringLiteral("^[A-Za-z0-9][A-Za-z0-9._-]*\\.npy$"));
  if (!name.isString() || !plain.match(text).hasMatch() || text.contains(QStringLiteral("..")))
    throw DataError(where, field +
                               " must name a .npy file in the folder (letters, digits, '.', "
                               "'_', '-'), not " +
                               (name.isString() ? "'" + text.toStdString() + "'" : "a non-string"));
  return QDir(folder).filePath(text);
}

int64_t wholeNumber(const QJsonObject& o, const char* key, int64_t low, int64_t high,
                    const std::string& where) {
  const QJsonValue v = o.value(QLatin1String(key));
  const double d = v.toDouble(-1);
  if (!v.isDouble() || d != std::floor(d) || d < double(low) || d > double(high))
    throw DataError(where, std::string("'") + key + "' must be a whole number from " +
                               std::to_string(low) + " to " + std::to_string(high));
  return int64_t(d);
}

Plan planFromManifest(const QString& folder, const QString& manifest) {
  const std::string where = manifest.toStdString();
  const QJsonObject o = readJsonObject(manifest, QStringLiteral("shard manifest"));
  if (o.value("format").toString() != QStringLiteral("strata-shards"))
    throw DataError(where, "not a shard manifest ('format' must be \"strata-shards\")");
  const int64_t version = wholeNumber(o, "version", 1, 1 << 20, where);
  if (version > kFormatVersion)
    throw DataError(where, "shard format version " + std::to_string(version) +
                               " was written for a newer Strata (this one reads version 1)");
  Plan plan;
  plan.folder = folder;
  plan.manifest = manifest;
  const QString kind = o.value("kind").toString();
  if (kind != QStringLiteral("latents") && kind != QStringLiteral("coordinates"))
    throw DataError(where, "'kind' must be \"latents\" or \"coordinates\"");
  plan.coordinates = kind == QStringLiteral("coordinates");
  plan.dims = int(
      wholeNumber(o, "dims", plan.coordinates ? 2 : 1, plan.coordinates ? 3 : INT32_MAX, where));
  plan.items = wholeNumber(o, "items", 1, int64_t(INT32_MAX), where);
  const QJsonArray shards = o.value("shards").toArray();
  if (shards.isEmpty() || shards.size() > kMaxShards)
    throw DataError(where, "'shards' must list 1 to " + std::to_string(kMaxShards) + " shards");
  int64_t total = 0;
  for (int k = 0; k < shards.size(); ++k) {
    const QJsonObject s = shards[k].toObject();
    const std::string field = "shards[" + std::to_string(k) + "]";
    Shard shard;
    shard.vectors = shardPath(folder, s.value("vectors"), where, field + ".vectors");
    if (s.contains("labels"))
      shard.labels = shardPath(folder, s.value("labels"), where, field + ".labels");
    std::string context = where;
    context += " (" + field + ")";
    shard.items = wholeNumber(s, "items", 1, plan.items, context);
    total += shard.items;
    plan.shards.push_back(shard);
  }
  if (total != plan.items)
    throw DataError(where, "the shards hold " + std::to_string(total) + " items but 'items' says " +
                               std::to_string(plan.items));
  return plan;
}

Plan planFromNames(const QString& folder) {
  Plan plan;
  plan.folder = folder;
  const QDir dir(folder);
  const QStringList parts =
      dir.entryList({QStringLiteral("part-*.npy")}, QDir::Files | QDir::Readable, QDir::Name);
  if (parts.isEmpty())
    throw DataError(folder.toStdString(), "holds neither manifest.json nor part-*.npy shards");
  if (parts.size() > kMaxShards)
    throw DataError(folder.toStdString(),
                    "holds more than " + std::to_string(kMaxShards) + " shards");
  for (const QString& part : parts) {
    Shard shard;
    shard.vectors = dir.filePath(part);
    const QString labels = QStringLiteral("labels-") + part.mid(5);
    if (dir.exists(labels)) shard.labels = dir.filePath(labels);
    plan.shards.push_back(shard);
  }
  return plan;
}

// Appends one shard's vectors (and labels) after checking them against the manifest and the
// shards before it.
void appendShard(const Shard& shard, Encoding& vectors, std::vector<int64_t>* labels,
                 const QString& folder) {
  const std::string where = shard.vectors.toStdString();
  const MappedNpy mapped(shard.vectors);
  const NpyArray& part = mapped.header();
  if (part.kind != 'f')
    throw DataError(where, "shard vectors must be float32 or float64, not " + part.typeName());
  if (part.shape.size() != 2 || part.shape[0] < 1 || part.shape[1] < 1 || part.shape[1] > INT32_MAX)
    throw DataError(where, "shard vectors must be a 2-D array [n, D]");
  if (vectors.dims < 0) vectors.dims = int(part.shape[1]);
  if (part.shape[1] != vectors.dims)
    throw DataError(where, "holds vectors of " + std::to_string(part.shape[1]) +
                               " values; the other shards' have " + std::to_string(vectors.dims));
  if (shard.items >= 0 && part.shape[0] != shard.items)
    throw DataError(where, "holds " + std::to_string(part.shape[0]) + " items; the manifest says " +
                               std::to_string(shard.items));
  const uint64_t bytes = uint64_t(vectors.items + part.shape[0]) * uint64_t(vectors.dims) * 4;
  if (bytes > kMaxArrayBytes)
    throw DataError(folder.toStdString(), "the shards hold more than " +
                                              std::to_string(kMaxArrayBytes >> 30) +
                                              " GB of vectors, the most Strata reads");
  // Converted from the mapped file straight into the joined vectors (no copy of each shard).
  const size_t start = vectors.latents.size(), count = size_t(part.count());
  vectors.latents.resize(start + count);
  float* values = vectors.latents.data() + start;
  mapped.toFloat(values);
  for (size_t i = 0; i < count; ++i)
    if (!std::isfinite(values[i]))
      throw DataError(where, "vector " + std::to_string(i / size_t(vectors.dims)) + " holds " +
                                 mapped.textAt(int64_t(i)) + "; vectors must be finite");
  vectors.items += part.shape[0];
  if (!labels) return;
  const MappedNpy shardLabels(shard.labels);
  if (shardLabels.shape().size() != 1 || shardLabels.shape()[0] != part.shape[0])
    throw DataError(shard.labels.toStdString(),
                    "labels must be [n] with one per vector of " + where);
  const std::vector<int64_t> read = shardLabels.toInt();
  labels->insert(labels->end(), read.begin(), read.end());
}

// Room for every shard's vectors up front, so joining them never copies what is already read
// (a growing vector holds three times its data while it moves). Bounded by the files' sizes,
// so a manifest that overstates its items cannot make Strata take memory the shards lack.
void reserveForShards(const Plan& plan, std::vector<float>& latents) {
  const uint64_t most = kMaxArrayBytes / 4;
  uint64_t fileValues = 0;  // every value takes at least 4 bytes of a shard file
  for (const Shard& shard : plan.shards) {
    fileValues += uint64_t(std::max<qint64>(0, QFileInfo(shard.vectors).size())) / 4;
    if (fileValues > most) return;  // more than Strata reads: appendShard says so
  }
  uint64_t wanted = fileValues;
  if (plan.items >= 0 && plan.dims > 0)
    wanted = std::min(wanted, uint64_t(plan.items) * uint64_t(plan.dims));
  latents.reserve(size_t(wanted));
}

}  // namespace

bool isShardFolder(const QString& path) {
  const QFileInfo info(path);
  if (info.isFile()) return info.fileName() == kManifest;
  if (!info.isDir()) return false;
  const QDir dir(path);
  return dir.exists(kManifest) ||
         !dir.entryList({QStringLiteral("part-*.npy")}, QDir::Files).isEmpty();
}

EmbeddingFile loadShardFolder(const QString& path, const JobControl& job) {
  const QFileInfo info(path);
  const QString folder = info.isDir() ? info.absoluteFilePath() : info.absolutePath();
  const QString manifest = QDir(folder).filePath(kManifest);
  const Plan plan =
      QFileInfo(manifest).isFile() ? planFromManifest(folder, manifest) : planFromNames(folder);

  auto vectors = std::make_shared<Encoding>();
  vectors->dims = plan.dims;
  reserveForShards(plan, vectors->latents);
  std::vector<int64_t> labels;
  const bool labelled = !plan.shards.front().labels.isEmpty();
  for (size_t k = 0; k < plan.shards.size(); ++k) {
    job.cancel.throwIfCancelled();
    const Shard& shard = plan.shards[k];
    const std::string where = shard.vectors.toStdString();
    if (shard.labels.isEmpty() == labelled)
      throw DataError(where,
                      "labels come with some shards only: every shard needs labels-NNNNN.npy "
                      "or none does");
    appendShard(shard, *vectors, labelled ? &labels : nullptr, folder);
    job.report(double(k + 1) / double(plan.shards.size()));
  }
  if (plan.items >= 0 && vectors->items != plan.items)
    throw DataError(manifest.toStdString(), "the shards hold " + std::to_string(vectors->items) +
                                                " items but 'items' says " +
                                                std::to_string(plan.items));
  const QString name = QFileInfo(folder).fileName();
  vectors->description = name;

  EmbeddingFile file;
  file.coordinates = plan.coordinates;
  file.vectors = vectors;
  auto dataset = std::make_shared<ArrayDataset>(name, ItemShape{1, 1, 1},
                                                std::vector<float>(size_t(vectors->items), 0.5f));
  if (labelled) setArrayLabels(*dataset, makeNpy(labels, {int64_t(labels.size())}), "vectors");
  file.dataset = dataset;
  return file;
}

}  // namespace strata
