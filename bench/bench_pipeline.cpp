// The whole way from a shard folder of latents to the first frame of the map, at 1,000,000
// and 10,000,000 items: reading the shards, PCA to a layout, and the first density frame in the
// map view (1284 x 900, software GL under Xvfb), with the process's peak memory after each
// step. Optionally (--umap) the kNN graph and UMAP as well, which take minutes at 1,000,000.
// Usage: bench_pipeline [ITEMS] [--dims D] [--umap]; prints JSON lines.

#include <QApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>

#include <cstdio>
#include <random>

#include "bench/peak_memory.h"
#include "core/analysis/projection.h"
#include "core/analysis/shard_folder.h"
#include "core/data/npy.h"
#include "widgets/gl_format.h"
#include "widgets/scatter_view.h"

using namespace strata;
using bench::peakMegabytes;

namespace {

void report(const char* step, int64_t items, double seconds) {
  std::printf(
      "{\"impl\": \"strata\", \"what\": \"pipeline\", \"step\": \"%s\", \"items\": %lld, "
      "\"seconds\": %.2f, \"peak_mb\": %.0f}\n",
      step, static_cast<long long>(items), seconds, peakMegabytes());
  std::fflush(stdout);
}

// Ten Gaussian clusters in `dims` dimensions, in shards of a million items, with labels.
void writeShards(const QString& folder, int64_t items, int dims) {
  std::mt19937 rng(3);
  std::normal_distribution<float> normal;
  std::vector<float> centres(size_t(10) * size_t(dims));
  for (float& c : centres) c = 4.0f * normal(rng);
  QJsonArray shards;
  const int64_t perShard = 1000000;
  for (int64_t first = 0, k = 0; first < items; first += perShard, ++k) {
    const int64_t n = std::min(perShard, items - first);
    std::vector<float> vectors(size_t(n) * size_t(dims));
    std::vector<int64_t> labels(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) {
      const int c = int((first + i) % 10);
      labels[size_t(i)] = c;
      for (int j = 0; j < dims; ++j)
        vectors[size_t(i) * size_t(dims) + size_t(j)] =
            centres[size_t(c) * size_t(dims) + size_t(j)] + normal(rng);
    }
    const QString part = QStringLiteral("part-%1.npy").arg(k, 5, 10, QChar('0'));
    const QString labelFile = QStringLiteral("labels-%1.npy").arg(k, 5, 10, QChar('0'));
    for (auto [name, array] : {std::pair{part, makeNpy(vectors, {n, dims})},
                               std::pair{labelFile, makeNpy(labels, {n})}}) {
      const std::vector<uint8_t> bytes = serializeNpy(array);
      QFile f(QDir(folder).filePath(name));
      if (f.open(QIODevice::WriteOnly))
        f.write(reinterpret_cast<const char*>(bytes.data()), qsizetype(bytes.size()));
    }
    shards.append(QJsonObject{{"vectors", part}, {"labels", labelFile}, {"items", qint64(n)}});
  }
  QFile manifest(QDir(folder).filePath("manifest.json"));
  if (manifest.open(QIODevice::WriteOnly))
    manifest.write(QJsonDocument(QJsonObject{{"format", "strata-shards"},
                                             {"version", 1},
                                             {"kind", "latents"},
                                             {"dims", dims},
                                             {"items", qint64(items)},
                                             {"shards", shards}})
                       .toJson());
}

}  // namespace

int main(int argc, char** argv) {
  setDefaultSurfaceFormat();
  QApplication app(argc, argv);
  const QStringList args = app.arguments();
  int64_t items = 1000000;
  int dims = 32;
  bool umap = false;
  for (int i = 1; i < args.size(); ++i) {
    if (args[i] == "--umap")
      umap = true;
    else if (args[i] == "--dims" && i + 1 < args.size())
      dims = args[++i].toInt();
    else
      items = args[i].toLongLong();
  }
  QTemporaryDir folder;
  writeShards(folder.path(), items, dims);
  report("start", items, 0);

  QElapsedTimer t;
  t.start();
  const EmbeddingFile file = loadShardFolder(folder.path());
  report("read shards", items, double(t.nsecsElapsed()) / 1e9);

  t.restart();
  ProjectionRequest request;
  request.source = ProjectionRequest::kEmbedding;
  const EncodingCache cache(QDir::temp().filePath("strata-bench-pipeline-cache"));
  ProjectionResult map =
      computeProjection(*file.dataset, nullptr, cache, request, {}, file.vectors);
  report("PCA", items, double(t.nsecsElapsed()) / 1e9);
  if (umap) {
    t.restart();
    request.method = ProjectionMethod::Umap;
    map = computeProjection(*file.dataset, nullptr, cache, request, {}, file.vectors);
    report("kNN graph and UMAP", items, double(t.nsecsElapsed()) / 1e9);
  }

  ScatterView view;
  view.resize(1284, 900);
  view.show();
  app.processEvents();
  t.restart();
  auto xy = std::make_shared<std::vector<float>>(size_t(items) * 2);
  for (int64_t i = 0; i < items; ++i) {
    (*xy)[size_t(2 * i)] = map.coords[size_t(3 * i)];
    (*xy)[size_t(2 * i + 1)] = map.coords[size_t(3 * i + 1)];
  }
  std::vector<int> labels(static_cast<size_t>(items));
  for (int64_t i = 0; i < items; ++i) labels[size_t(i)] = file.dataset->label(i);
  view.setPoints(xy, 2);
  view.setCategoryColors(labels, {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"});
  view.grabFramebuffer();
  report("first frame", items, double(t.nsecsElapsed()) / 1e9);
  return 0;
}
