// ARD-VAE Jacobian weights (docs/metrics.md, "Relevant dimensions") of the bundled models at
// 100 points from the prior, timed over several runs. Writes the points so that
// bench/peer_relevance.py times PyTorch's forward-mode autograd on the same points
// (bench/run.sh).
//   bench_relevance OUT_DIR [RUNS=3]

#include <QString>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <numeric>
#include <string>
#include <vector>

#include "core/analysis/relevance_rows.h"
#include "core/base/resources.h"
#include "core/data/npy.h"
#include "core/model/model.h"

using namespace strata;

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: bench_relevance OUT_DIR [RUNS=3]\n");
    return 2;
  }
  const QString out = QString::fromLocal8Bit(argv[1]);
  const int runs = argc > 2 ? std::stoi(argv[2]) : 3;
  for (const char* name : {"fashion_vae", "fashion_lvae", "dsprites_tcvae"}) {
    const auto model = Model::load(bundledModelPath(QString::fromLatin1(name) + ".pt"));
    const ModelInfo& info = model->info();
    const int64_t items = kRelevanceJacobianItems;
    const Latents points = model->priorSample({items, {}}, model->noise(items, 0, 5),
                                              std::vector<double>(info.layers.size(), 1.0));
    std::map<std::string, NpyArray> arrays;
    for (size_t l = 0; l < info.layers.size(); ++l) {
      std::vector<int64_t> shape{items};
      shape.insert(shape.end(), info.layers[l].shape.begin(), info.layers[l].shape.end());
      arrays["z" + std::to_string(l)] =
          makeNpy(std::vector<double>(points.layers[l].begin(), points.layers[l].end()), shape);
    }
    writeNpz(out + "/relevance_" + name + ".npz", arrays);
    std::vector<double> seconds, weights;
    for (int r = 0; r < runs; ++r) {
      const auto start = std::chrono::steady_clock::now();
      weights = jacobianWeightsAt(*model, points, -1);
      seconds.push_back(
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    }
    std::sort(seconds.begin(), seconds.end());
    std::printf(
        "{\"impl\": \"strata\", \"model\": \"%s\", \"units\": %lld, \"items\": %lld, "
        "\"median_s\": %.3f, \"min_s\": %.3f, \"max_s\": %.3f, \"weight_sum\": %.9g}\n",
        name, static_cast<long long>(info.totalLatentSize()), static_cast<long long>(items),
        seconds[seconds.size() / 2], seconds.front(), seconds.back(),
        std::accumulate(weights.begin(), weights.end(), 0.0));
    std::fflush(stdout);
  }
  return 0;
}
