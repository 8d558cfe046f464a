#pragma once
// Embedding files: vectors (or a ready 2-D/3-D layout) to explore without a model.

#include <QString>

#include <map>
#include <memory>
#include <string>

#include "core/base/job.h"
#include "core/data/dataset.h"
#include "core/data/npy.h"
#include "core/model/encoding.h"

namespace strata {

// A file of vectors to explore without a model: .npy [N, D], or .npz with "embedding" (or
// "latents", "x") [N, D] or "coords" [N, 2 or 3], optional "labels" [N] and "images"
// ([N, H, W], [N, C, H, W] or [N, H, W, C]).
struct EmbeddingFile {
  std::shared_ptr<const Dataset> dataset;  // images (blank 1 x 1 ones if the file has none), labels
  std::shared_ptr<const Encoding> vectors;
  bool coordinates = false;  // the vectors are a ready layout
  bool hasImages = false;
};
// Throws DataError naming the file (and array) for anything it cannot use: missing or
// mis-shaped vectors, NaN or infinite values, labels and images as loadArrayDataset refuses.
// A shard folder (or its manifest.json) is read by loadShardFolder, with progress through `job`.
EmbeddingFile loadEmbeddingFile(const QString& path, const JobControl& job = {});
// The same from arrays already read; `path` names them in messages.
EmbeddingFile embeddingFromArrays(std::map<std::string, NpyArray> arrays, const QString& path);

}  // namespace strata
