// PCA timings by input shape, one shape per run so that peak memory can be read per shape
// (/usr/bin/time -v):
//   million   1,000,000 x 64 (a mixture of 20 Gaussians) to 3 components, repeated;
//   pixels10  ten 64 x 64 RGB images (12,288 dimensions) to 3 components;
//   pixels4   four 128 x 128 RGB images (49,152 dimensions) to 3 components;
//   wide      2,000 x 27,056 (a model's latents, all layers) to 3 components;
//   dsprites  20,000 x 4,096 (the rows a dSprites pixel map is fitted on) to 3 components.
// Prints one JSON line per fit with the seconds and the method used.

#include <QElapsedTimer>

#include <cstdio>
#include <cstring>
#include <random>
#include <vector>

#include "core/numeric/pca.h"

using namespace strata;

namespace {

struct Shape {
  const char* name;
  int64_t rows;
  int dims;
  int repeats;
};

constexpr Shape kShapes[] = {{"million", 1000000, 64, 5},
                             {"pixels10", 10, 12288, 3},
                             {"pixels4", 4, 49152, 3},
                             {"wide", 2000, 27056, 1},
                             {"dsprites", 20000, 4096, 1}};

// Clustered data with a decaying spectrum, like latents and images.
std::vector<float> mixture(int64_t rows, int dims) {
  std::mt19937_64 rng(11);
  std::normal_distribution<float> normal;
  constexpr int kClusters = 20;
  std::vector<float> centres(size_t(kClusters) * size_t(dims));
  for (size_t i = 0; i < centres.size(); ++i)
    centres[i] = normal(rng) * 6.0f / float(1 + int(i % size_t(dims)) / 8);
  std::vector<float> x(size_t(rows) * size_t(dims));
  for (int64_t i = 0; i < rows; ++i)
    for (int d = 0; d < dims; ++d)
      x[size_t(i) * size_t(dims) + size_t(d)] =
          centres[size_t(i % kClusters) * size_t(dims) + size_t(d)] + normal(rng);
  return x;
}

}  // namespace

int main(int argc, char** argv) {
  const char* wanted = argc > 1 ? argv[1] : "million";
  for (const Shape& s : kShapes) {
    if (std::strcmp(s.name, wanted) != 0) continue;
    const std::vector<float> x = mixture(s.rows, s.dims);
    for (int r = 0; r < s.repeats; ++r) {
      QElapsedTimer t;
      t.start();
      const PcaModel p = fitPca(x.data(), s.rows, s.dims, 3);
      const std::vector<float> y = p.transform(x.data(), s.rows);
      std::printf(
          "{\"what\": \"pca\", \"data\": \"%s\", \"seconds\": %.3f, \"first_variance\": %.6g}\n",
          s.name, double(t.nsecsElapsed()) / 1e9, p.explainedVariance[0]);
      std::fflush(stdout);
    }
    return 0;
  }
  std::fprintf(stderr, "unknown shape %s (million, pixels10, pixels4, wide, dsprites)\n", wanted);
  return 2;
}
