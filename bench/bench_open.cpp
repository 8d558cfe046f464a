// Opening a coordinate file as a user does: an .npy of N x 2 float32 (10,000,000 points: 80 MB)
// from the page cache, by mapping it (how Strata opens embedding files) or by reading it whole
// first and converting that copy (readNpy, how Strata opened them before). Run each way in its
// own process, so the memory an open adds is its own.
// Usage: bench_open FILE mapped|read [RUNS]; prints one JSON line (median and spread of RUNS).

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFileInfo>

#include <algorithm>
#include <cstdio>
#include <vector>

#include "bench/peak_memory.h"
#include "core/analysis/embedding_file.h"
#include "core/data/npy.h"

using namespace strata;
using bench::peakMegabytes;

int main(int argc, char** argv) {
  QCoreApplication app(argc, argv);
  const QStringList args = app.arguments();
  if (args.size() < 3 || (args[2] != "mapped" && args[2] != "read")) {
    std::fprintf(stderr, "usage: bench_open FILE mapped|read [RUNS]\n");
    return 2;
  }
  const QString path = args[1];
  const bool mapped = args[2] == "mapped";
  const int runs = args.size() > 3 ? std::max(1, args[3].toInt()) : 5;
  const double before = peakMegabytes();
  std::vector<double> seconds;
  int64_t items = 0;
  for (int run = 0; run < runs; ++run) {
    QElapsedTimer t;
    t.start();
    const EmbeddingFile file = mapped ? loadEmbeddingFile(path)
                                      : embeddingFromArrays({{"embedding", readNpy(path)}}, path);
    seconds.push_back(double(t.nsecsElapsed()) / 1e9);
    items = file.vectors->items;
  }
  std::sort(seconds.begin(), seconds.end());
  std::printf(
      "{\"impl\": \"strata-%s\", \"items\": %lld, \"file_mb\": %.0f, \"median_s\": %.3f, "
      "\"min_s\": %.3f, \"max_s\": %.3f, \"added_peak_mb\": %.0f}\n",
      mapped ? "mapped" : "read", static_cast<long long>(items),
      double(QFileInfo(path).size()) / 1048576.0, seconds[seconds.size() / 2], seconds.front(),
      seconds.back(), peakMegabytes() - before);
  return 0;
}
