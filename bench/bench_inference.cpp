// Inference timings through Strata's backend: decode latency (what a slider move costs),
// batched decode and dataset encoding throughput, at 1 and 2 intra-op threads.
// Prints one JSON object per measurement; bench/run.sh puts them beside Python's.

#include <QCoreApplication>
#include <QElapsedTimer>

#include <algorithm>
#include <cstdio>
#include <vector>

#include "core/base/resources.h"
#include "core/data/fashion_mnist.h"
#include "core/data/image_convert.h"
#include "core/model/encoding.h"
#include "core/model/model.h"
#include "core/model/torch_runtime.h"
#include "core/model/traversal.h"

using namespace strata;

namespace {

struct Stats {
  double median, p95;
};

template <class F>
Stats timeIt(int repeats, F&& f) {
  std::vector<double> ms;
  f();  // warm-up
  for (int r = 0; r < repeats; ++r) {
    QElapsedTimer t;
    t.start();
    f();
    ms.push_back(double(t.nsecsElapsed()) / 1e6);
  }
  std::sort(ms.begin(), ms.end());
  return {ms[ms.size() / 2], ms[std::min(ms.size() - 1, size_t(double(ms.size()) * 0.95))]};
}

void print(const char* what, const QString& model, int threads, int batch, const Stats& s) {
  std::printf(
      "{\"impl\": \"strata\", \"what\": \"%s\", \"model\": \"%s\", \"threads\": %d, "
      "\"batch\": %d, \"median_ms\": %.3f, \"p95_ms\": %.3f}\n",
      what, qPrintable(model), threads, batch, s.median, s.p95);
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  QCoreApplication app(argc, argv);
  const QStringList names =
      app.arguments().size() > 1 ? app.arguments().mid(1) : QStringList{"fashion_lvae"};
  auto dataset = loadFashionMnist(Split::Test);
  std::vector<float> images(size_t(dataset->size() * 784));
  dataset->copyBatch(0, dataset->size(), images.data());
  for (const QString& name : names) {
    // A bundled model by name, or any model file by path (e.g. the 60-layer test model).
    const bool file = name.endsWith(QLatin1String(".pt"));
    auto model = Model::load(file ? name : bundledModelPath(name + ".pt"));
    const size_t L = model->info().layers.size();
    for (int threads : {1, 2}) {
      configureTorch({threads});
      const Latents one =
          model->priorSample({1, {}}, model->noise(1, 0, 1), std::vector<double>(L, 1.0));
      print("decode", name, threads, 1, timeIt(200, [&] { model->decode(one); }));
      const Latents grid =
          model->priorSample({64, {}}, model->noise(64, 0, 2), std::vector<double>(L, 1.0));
      print("decode", name, threads, 64, timeIt(30, [&] { model->decode(grid); }));
      // A slider move on the top unit: propagate through the conditional priors, decode,
      // and make the image the view shows.
      const LatentStart start = startFromItem(*model, *dataset, 42, false, 0);
      const UnitGroup top = singleUnit(model->info(), 0, 0);
      double value = 0;
      print("slider_to_image", name, threads, 1, timeIt(200, [&] {
              value = value > 2 ? -2 : value + 0.1;
              const std::vector<float> px =
                  model->decode(applyEdits(*model, start, {{top, value}}, Propagation::Regenerate));
              toQImage(px.data(), model->info().input);
            }));
      std::vector<UnitGroup> rows;
      rows.reserve(8);
      for (int u = 0; u < 8; ++u)
        rows.push_back(singleUnit(model->info(), 0, u % int(model->info().layers[0].size())));
      print("grid_8x9", name, threads, 72, timeIt(10, [&] {
              traversalGrid(*model, start, nullptr, rows, 9, RangeMode::PriorSigma, 3.0,
                            Propagation::Regenerate);
            }));
      print("encode_10k", name, threads, 500, timeIt(3, [&] {
              for (int64_t first = 0; first < dataset->size(); first += 500)
                model->posterior(images.data() + first * 784, 500, false);
            }));
    }
    // A whole dataset encoded as the application does (posterior means, KL and log p(x|z)
    // per item), on one lane and on two (a second copy of the model on its own thread, which
    // the window allows only while the user is idle). "threads" is the lanes here.
    configureTorch({1});
    for (int lanes : {1, 2})
      print("encode_dataset_lanes", name, lanes, 500, timeIt(3, [&] {
              encodeDataset(*model, *dataset, EncodingChoice{}, {}, 500, {lanes, {}});
            }));
  }
  return 0;
}
