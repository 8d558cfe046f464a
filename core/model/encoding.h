#pragma once
// A dataset encoded by a model: one latent vector per item (one layer or all layers
// concatenated, posterior means or samples), with per-item KL and reconstruction error.
// Results are cached on disk per model file, dataset and choice, so reopening is instant.

#include <QString>

#include <cstdint>
#include <functional>
#include <vector>

#include "core/base/job.h"
#include "core/data/dataset.h"
#include "core/model/model.h"

namespace strata {

struct EncodingChoice {
  int layer = -1;       // -1: all layers concatenated (top first)
  bool sample = false;  // posterior samples instead of means
  uint64_t seed = 0;    // for samples
};

struct Encoding {
  int64_t items = 0;
  int dims = 0;
  std::vector<float> latents;  // [items, dims]
  // A model's encoding: [items] KL(q || p) summed over all layers, and -log p(x | z) at the
  // encoded z, nats. Empty for vectors read from a file (no model gives them).
  std::vector<float> kl;
  std::vector<float> reconstruction;
  // A conditional model with a classifier (contract 2, condition.classifier): per item the
  // entropy of q(y|x) in nats and its most probable class, the class the item is encoded
  // under. Empty for every other model (and absent from its cache file).
  std::vector<float> classEntropy;
  std::vector<int32_t> predictedClass;
  QString description;
};

// Identifies the inputs of an encoding: model file (path, size, modification time),
// dataset (name, size and content fingerprint) and the choice. Changes whenever any of them
// changes.
QString encodingKey(const Model& model, const Dataset& dataset, const EncodingChoice& choice);

// Name of column `column` of an encoding of `layer` (-1: all layers, top first), as
// unitLabel writes it: "z_top[3]", "z1[c2, 4, 5]".
QString encodedUnitLabel(const ModelInfo& info, int layer, int column);

// How many threads encode a dataset. With two, a second copy of the model (Model::replica)
// encodes every other free batch on its own thread, asking `secondMayRun` before each (the
// application lets it run only while the user is idle, so the window keeps a core). Results
// are the same whatever the lanes: each batch is encoded alone, and posterior samples, drawn
// from one seeded stream, always take one lane.
struct EncodingLanes {
  int count = 1;
  std::function<bool()> secondMayRun;  // empty: always
};

// The lanes encodeDataset uses when not told: one, unless the application set more.
void setDefaultEncodingLanes(EncodingLanes lanes);
EncodingLanes defaultEncodingLanes();

// Encodes in batches (progress and cancel through `job`).
Encoding encodeDataset(const Model& model, const Dataset& dataset, const EncodingChoice& choice,
                       const JobControl& job = {}, int batch = 500);
Encoding encodeDataset(const Model& model, const Dataset& dataset, const EncodingChoice& choice,
                       const JobControl& job, int batch, const EncodingLanes& lanes);

// A disk cache of encodings, one .npz per key.
class EncodingCache {
 public:
  explicit EncodingCache(QString directory);  // "" = the user's cache folder
  QString directory() const { return directory_; }
  bool contains(const QString& key) const;
  // Returns false (and leaves `out` alone) if absent or unreadable.
  bool load(const QString& key, Encoding& out) const;
  void store(const QString& key, const Encoding& encoding) const;
  // Cached, or computed and stored.
  Encoding get(const Model& model, const Dataset& dataset, const EncodingChoice& choice,
               const JobControl& job = {}, bool* fromCache = nullptr) const;

 private:
  QString path(const QString& key) const;
  QString directory_;
};

}  // namespace strata
