#pragma once
// Shard folders: the vectors of one dataset split into files written independently (by
// tools/encode_distributed.py on a cluster, or by hand), opened as one embedding.
//
//   DIR/manifest.json     {"format": "strata-shards", "version": 1,
//                          "kind": "latents" | "coordinates", "dims": D, "items": N,
//                          "shards": [{"vectors": "part-00000.npy",
//                                      "labels": "labels-00000.npy", "items": n0}, ...]}
//   DIR/part-00000.npy    float32 or float64 [n_k, D]
//   DIR/labels-00000.npy  integer [n_k] (all shards or none)
//
// Without a manifest, the folder's part-*.npy (and labels-*.npy) in name order are the
// shards, holding latents. docs/distributed-encoding.md describes the format.

#include <QString>

#include "core/analysis/embedding_file.h"
#include "core/base/job.h"

namespace strata {

// Whether `path` is a shard folder (or its manifest.json).
bool isShardFolder(const QString& path);

// Reads every shard into one embedding, with progress and cancel through `job`. Throws
// DataError naming the manifest, shard file or field for anything it cannot use: a manifest
// of another format or a newer version, file names that leave the folder, shards whose shape,
// count or dtype disagree with the manifest or each other, labels on some shards only,
// non-finite values.
EmbeddingFile loadShardFolder(const QString& path, const JobControl& job = {});

}  // namespace strata
