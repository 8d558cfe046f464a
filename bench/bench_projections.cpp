// Projection timings through Strata's core on the same inputs the Python peers get:
//   fashion: the bundled hierarchical VAE's posterior means (all layers) of all 70,000
//            Fashion-MNIST images, reduced to 50 dimensions with PCA;
//   million: 1,000,000 points from a 32-dimensional mixture of 20 Gaussians.
// Writes the inputs and every layout as .npy into OUT_DIR so quality is scored by one script.
// Usage: bench_projections OUT_DIR [--no-tsne] [--fashion-only]

#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>

#include <cstdio>
#include <random>

#include "core/base/resources.h"
#include "core/data/array_dataset.h"
#include "core/data/fashion_mnist.h"
#include "core/data/npy.h"
#include "core/model/encoding.h"
#include "core/model/model.h"
#include "core/model/torch_runtime.h"
#include "core/numeric/knn.h"
#include "core/numeric/pca.h"
#include "core/numeric/tsne.h"
#include "core/numeric/umap.h"

using namespace strata;

namespace {

void save(const QString& path, const std::vector<float>& v, std::vector<int64_t> shape) {
  QFile f(path);
  f.open(QIODevice::WriteOnly);
  const auto bytes = serializeNpy(makeNpy(v, std::move(shape)));
  f.write(reinterpret_cast<const char*>(bytes.data()), qsizetype(bytes.size()));
}

// The neighbour indices of a graph's first `rows` points, for the scoring script.
void saveNeighbours(const QString& path, const KnnGraph& g, int64_t rows) {
  const std::vector<float> idx(g.indices.begin(), g.indices.begin() + std::ptrdiff_t(rows) * g.k);
  save(path, idx, {rows, g.k});
}

void report(const char* what, const char* data, double seconds) {
  std::printf("{\"impl\": \"strata\", \"what\": \"%s\", \"data\": \"%s\", \"seconds\": %.3f}\n",
              what, data, seconds);
  std::fflush(stdout);
}

template <class F>
double timed(F&& f) {
  QElapsedTimer t;
  t.start();
  f();
  return double(t.nsecsElapsed()) / 1e9;
}

}  // namespace

int main(int argc, char** argv) {
  QCoreApplication app(argc, argv);
  const QString out = app.arguments().value(1, QDir::tempPath());
  const bool skipTsne = app.arguments().contains("--no-tsne");
  const bool fashionOnly = app.arguments().contains("--fashion-only");
  configureTorch({1});

  // Fashion-MNIST latents, 70k x 220 -> PCA 50.
  auto train = loadFashionMnist(Split::Train), test = loadFashionMnist(Split::Test);
  std::vector<float> pixels(size_t(70000) * 784);
  train->copyBatch(0, 60000, pixels.data());
  test->copyBatch(0, 10000, pixels.data() + size_t(60000) * 784);
  ArrayDataset all("Fashion-MNIST (all 70,000)", {1, 28, 28}, std::move(pixels));
  auto model = Model::load(bundledModelPath("fashion_lvae.pt"));
  Encoding e;
  report("encode", "fashion", timed([&] { e = encodeDataset(*model, all, {-1, false, 0}); }));
  const PcaModel reduce = fitPca(e.latents.data(), e.items, e.dims, 50);
  const std::vector<float> x = reduce.transform(e.latents.data(), e.items);
  save(out + "/fashion_input.npy", x, {70000, 50});

  std::vector<float> y;
  report("pca", "fashion", timed([&] {
           const PcaModel p = fitPca(x.data(), 70000, 50, 2);
           y = p.transform(x.data(), 70000);
         }));
  save(out + "/strata_pca_fashion.npy", y, {70000, 2});
  KnnGraph g;
  report("knn15", "fashion", timed([&] { g = approximateKnn(x.data(), 70000, 50, 15); }));
  saveNeighbours(out + "/strata_knn_fashion.npy", g, 70000);
  report("knn15-thorough", "fashion", timed([&] {
           g = approximateKnn(x.data(), 70000, 50, 15, 0, {}, 2, KnnEffort::Thorough);
         }));
  saveNeighbours(out + "/strata_knn-thorough_fashion.npy", g, 70000);
  UmapParameters up;
  report("umap", "fashion", timed([&] { y = umap(x.data(), 70000, 50, up); }));
  save(out + "/strata_umap_fashion.npy", y, {70000, 2});
  if (!skipTsne) {
    TsneParameters tp;
    report("tsne", "fashion", timed([&] { y = tsne(x.data(), 70000, 50, tp); }));
    save(out + "/strata_tsne_fashion.npy", y, {70000, 2});
  }
  if (fashionOnly) return 0;

  // One million points, 32-D mixture of 20 Gaussians.
  std::mt19937_64 rng(11);
  std::normal_distribution<float> normal;
  std::vector<float> centres(size_t(20) * 32);
  for (float& c : centres) c = normal(rng) * 6.0f;
  std::vector<float> m(size_t(1000000) * 32);
  for (int64_t i = 0; i < 1000000; ++i)
    for (int d = 0; d < 32; ++d)
      m[size_t(i * 32 + d)] = centres[size_t((i % 20) * 32 + d)] + normal(rng);
  save(out + "/million_input.npy", m, {1000000, 32});
  report("pca", "million", timed([&] {
           const PcaModel p = fitPca(m.data(), 1000000, 32, 2);
           y = p.transform(m.data(), 1000000);
         }));
  report("knn15", "million", timed([&] { g = approximateKnn(m.data(), 1000000, 32, 15); }));
  saveNeighbours(out + "/strata_knn_million_first20k.npy", g, 20000);
  report("knn15-thorough", "million", timed([&] {
           g = approximateKnn(m.data(), 1000000, 32, 15, 0, {}, 2, KnnEffort::Thorough);
         }));
  saveNeighbours(out + "/strata_knn-thorough_million_first20k.npy", g, 20000);
  return 0;
}
