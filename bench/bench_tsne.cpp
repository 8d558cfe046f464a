// t-SNE alone on a given input, to measure a change to it without the minutes its Python peer
// takes: bench_projections writes the 70,000-point Fashion-MNIST input it uses
// (OUT_DIR/fashion_input.npy), and the layout written to OUT can be scored with
// knn_recall from bench/peer_projections.py, the table's measure of quality. Prints the
// seconds and a hash of the layout (for checking that a change leaves it as it was).
//
// Usage: bench_tsne INPUT.npy [OUT.npy] [--threads T]; prints one JSON line.

#include <QCoreApplication>
#include <QFile>

#include <chrono>
#include <cstdio>

#include "bench/layout_hash.h"
#include "core/base/errors.h"
#include "core/data/npy.h"
#include "core/numeric/tsne.h"

using namespace strata;

int main(int argc, char** argv) {
  QCoreApplication app(argc, argv);
  const QStringList args = app.arguments();
  QString input, output;
  TsneParameters p;
  bool usable = true;
  for (int i = 1; i < args.size(); ++i) {
    if (args[i] == "--threads")
      p.threads = i + 1 < args.size() ? args[++i].toInt() : 0;
    else if (input.isEmpty())
      input = args[i];
    else if (output.isEmpty())
      output = args[i];
    else
      usable = false;
  }
  if (!usable || input.isEmpty() || p.threads < 1) {
    std::fprintf(stderr, "usage: bench_tsne INPUT.npy [OUT.npy] [--threads T]\n");
    return 2;
  }
  try {
    const NpyArray x = readNpy(input);
    if (x.shape.size() != 2) throw DataError(input.toStdString(), "is not a matrix");
    const std::vector<float> data = x.toFloat();
    const auto start = std::chrono::steady_clock::now();
    const std::vector<float> y = tsne(data.data(), x.shape[0], int(x.shape[1]), p);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (!output.isEmpty()) {
      QFile f(output);
      const auto bytes = serializeNpy(makeNpy(y, {x.shape[0], p.outputDims}));
      if (!f.open(QIODevice::WriteOnly) ||
          f.write(reinterpret_cast<const char*>(bytes.data()), qsizetype(bytes.size())) !=
              qsizetype(bytes.size()))
        throw DataError(output.toStdString(), "cannot be written");
    }
    std::printf(
        "{\"impl\": \"strata\", \"what\": \"tsne\", \"points\": %lld, \"threads\": %d, "
        "\"seconds\": %.2f, \"layout_hash\": \"%016llx\"}\n",
        static_cast<long long>(x.shape[0]), p.threads, seconds,
        static_cast<unsigned long long>(bench::layoutHash(y)));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_tsne: %s\n", e.what());
    return 1;
  }
  return 0;
}
