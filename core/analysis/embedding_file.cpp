#include "core/analysis/embedding_file.h"

#include <QFileInfo>

#include <cmath>

#include "core/analysis/shard_folder.h"
#include "core/base/errors.h"
#include "core/data/array_readers.h"
#include "core/data/byte_source.h"
#include "core/data/mapped_npy.h"

namespace strata {

namespace {

// The vectors as an Encoding without KL or reconstruction terms; every value must be finite.
// `v` gives the shape and file; `values`, the same array read into memory (an NpyArray) or
// mapped (a MappedNpy), gives the values.
template <class Array>
std::shared_ptr<Encoding> vectorsOf(const NpyArray& v, const Array& values, bool coordinates,
                                    const std::string& file, const QString& name) {
  const std::string where = v.where.empty() ? file : v.where;
  if (v.shape.size() != 2 || v.shape[0] < 1 || v.shape[1] < 1 || v.shape[1] > INT32_MAX)
    throw DataError(where, "vectors must be a 2-D array [N, D]");
  const int64_t n = v.shape[0];
  const int dims = int(v.shape[1]);
  if (coordinates && (dims < 2 || dims > 3))
    throw DataError(where, "coords must have 2 or 3 columns");
  auto e = std::make_shared<Encoding>();
  e->items = n;
  e->dims = dims;
  e->latents = values.toFloat();
  for (size_t i = 0; i < e->latents.size(); ++i)
    if (!std::isfinite(e->latents[i]))
      throw DataError(where, "vector " + std::to_string(i / size_t(dims)) + " holds " +
                                 values.textAt(int64_t(i)) + "; vectors must be finite");
  // No model: no KL or reconstruction terms (empty, so no map is coloured by zeros).
  e->description = name;
  return e;
}

// The images and labels among `arrays` (blank images where there are none) for the vectors in
// `f`, checked against their count.
EmbeddingFile withDataset(EmbeddingFile f, std::map<std::string, NpyArray> arrays,
                          const QString& path) {
  const std::string file = path.toStdString();
  const QString name = QFileInfo(path).fileName();
  const int64_t n = f.vectors->items;

  std::shared_ptr<ArrayDataset> dataset;
  for (const char* key : {"images", "imgs"})
    if (arrays.count(key)) {
      dataset = datasetFromImageArray(std::move(arrays.at(key)), path, name);
      if (dataset->size() != n)
        throw DataError(file,
                        "images do not match the vectors: " + std::to_string(dataset->size()) +
                            " images for " + std::to_string(n) + " vectors");
      f.hasImages = true;
      break;
    }
  if (!dataset)
    dataset = std::make_shared<ArrayDataset>(name, ItemShape{1, 1, 1},
                                             std::vector<float>(size_t(n), 0.5f));
  for (const char* key : {"labels", "y"})
    if (arrays.count(key)) {
      setArrayLabels(*dataset, arrays.at(key), "vectors");
      break;
    }
  f.dataset = dataset;
  return f;
}

}  // namespace

EmbeddingFile embeddingFromArrays(std::map<std::string, NpyArray> arrays, const QString& path) {
  const std::string file = path.toStdString();
  const QString name = QFileInfo(path).fileName();
  EmbeddingFile f;
  const NpyArray* v = nullptr;
  for (const char* key : {"embedding", "latents", "x", "coords"})
    if (arrays.count(key)) {
      v = &arrays.at(key);
      f.coordinates = std::string(key) == "coords";
      break;
    }
  if (!v) throw DataError(file, "no vectors (expected a key embedding, latents, x or coords)");
  f.vectors = vectorsOf(*v, *v, f.coordinates, file, name);
  return withDataset(std::move(f), std::move(arrays), path);
}

EmbeddingFile loadEmbeddingFile(const QString& path, const JobControl& job) {
  return withMemoryCheck(path, [&] {
    if (isShardFolder(path)) return loadShardFolder(path, job);
    if (!path.endsWith(".npy", Qt::CaseInsensitive))
      return embeddingFromArrays(readNpz(path), path);
    // A bare .npy is mapped: its values go from the file's pages into the vectors directly,
    // and the file is unmapped before the blank images are made, so they never add up.
    EmbeddingFile f;
    {
      const MappedNpy mapped(path);
      f.vectors =
          vectorsOf(mapped.header(), mapped, false, path.toStdString(), QFileInfo(path).fileName());
    }
    return withDataset(std::move(f), {}, path);
  });
}

}  // namespace strata
