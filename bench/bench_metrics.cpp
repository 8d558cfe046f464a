// Disentanglement scores in disentanglement_lib's convention: SAP (linear SVMs) and DCI
// (gradient-boosted trees) on dSprites-shaped codes, timed over several runs. Writes the codes
// as a plan so bench/peer_metrics.py times scikit-learn on the same codes (bench/run.sh).
//   bench_metrics OUT_DIR [ITEMS=4000] [RUNS=3]

#include <QString>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "core/analysis/model_metrics.h"
#include "core/numeric/disentanglement_lib_scores.h"

using namespace strata;

namespace {

// Five factors with dSprites' value counts (3 shapes, 6 scales, 40 orientations, 32 x, 32 y);
// ten units: five follow a factor with noise, mixed with a neighbour, five are noise.
MetricInputs dspritesShapedCodes(int64_t n) {
  const int values[5] = {3, 6, 40, 32, 32};
  std::mt19937_64 rng(1);
  std::normal_distribution<double> gauss(0, 1);
  MetricInputs in;
  in.codes.items = n;
  in.codes.dims = 10;
  in.factorCount = 5;
  for (int64_t i = 0; i < n; ++i) {
    double level[5];
    for (int k = 0; k < 5; ++k) {
      const int v = std::uniform_int_distribution<int>(0, values[k] - 1)(rng);
      in.factors.push_back(v);
      level[k] = double(v) / values[k];
    }
    for (int k = 0; k < 5; ++k)
      in.codes.values.push_back(level[k] + 0.4 * level[(k + 1) % 5] + 0.2 * gauss(rng));
    for (int k = 0; k < 5; ++k) in.codes.values.push_back(gauss(rng));
  }
  return in;
}

template <typename Body>
std::vector<double> seconds(int runs, Body&& body) {
  std::vector<double> out;
  for (int r = 0; r < runs; ++r) {
    const auto start = std::chrono::steady_clock::now();
    body();
    out.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  std::sort(out.begin(), out.end());
  return out;
}

void print(const char* what, int64_t n, const std::vector<double>& s, double score) {
  std::printf(
      "{\"impl\": \"strata\", \"what\": \"%s\", \"items\": %lld, \"median_s\": %.3f, "
      "\"min_s\": %.3f, \"max_s\": %.3f, \"score\": %.6f}\n",
      what, static_cast<long long>(n), s[s.size() / 2], s.front(), s.back(), score);
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: bench_metrics OUT_DIR [ITEMS=4000] [RUNS=3]\n");
    return 2;
  }
  const int64_t n = argc > 2 ? std::stoll(argv[2]) : 4000;
  const int runs = argc > 3 ? std::stoi(argv[3]) : 3;
  MetricInputs in = dspritesShapedCodes(n);
  in.trainItems = int64_t(0.8 * double(n));
  const FactorClasses raw = factorValueClasses(in.factors, n, in.factorCount);
  in.libraryVotes = drawFactorVaeVotes(raw, 1);
  writeMetricInputs(QString::fromLocal8Bit(argv[1]) + "/metrics_plan.npz", in);
  double sap = 0, dci = 0;
  const std::vector<double> sapSeconds =
      seconds(runs, [&] { sap = svmSap(in.codes, raw, in.trainItems).score; });
  print("sap", n, sapSeconds, sap);
  const std::vector<double> dciSeconds =
      seconds(runs, [&] { dci = boostedDci(in.codes, raw, in.trainItems).disentanglement; });
  print("dci", n, dciSeconds, dci);
  return 0;
}
