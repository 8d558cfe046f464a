#include "core/numeric/disentanglement_lib_scores.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <stdexcept>
#include <string>

#include "core/numeric/gradient_boosting.h"

namespace strata {
namespace {

constexpr double kSapPenalty = 0.01;       // LinearSVC(C = 0.01)
constexpr double kDciSmoothing = 1e-11;    // dci.py adds it to every importance
constexpr double kFactorVaeMinStd = 0.05;  // prune_dims.threshold

int64_t uniformBelow(std::mt19937_64& rng, int64_t size) {
  return std::uniform_int_distribution<int64_t>(0, size - 1)(rng);
}

// w z + b of a one-feature linear SVM.
struct Line {
  double w = 0, b = 0;
  double at(double z) const { return w * z + b; }
};

// min 1/2 (w^2 + b^2) + sum_n c_n max(0, 1 - y_n (w z_n + b))^2, the problem liblinear solves
// for LinearSVC with a penalised intercept (intercept_scaling 1). The objective is convex and
// piecewise quadratic, so Newton's method with a backtracking line search reaches the exact
// minimum once the set of margin violators settles.
Line squaredHingeSvm(const std::vector<double>& z, const std::vector<int8_t>& y,
                     const std::vector<double>& c) {
  const size_t n = z.size();
  auto objective = [&](const Line& l) {
    double f = 0.5 * (l.w * l.w + l.b * l.b);
    for (size_t i = 0; i < n; ++i) {
      const double m = 1.0 - y[i] * l.at(z[i]);
      if (m > 0) f += c[i] * m * m;
    }
    return f;
  };
  Line line;
  double firstGradient = -1;
  for (int iteration = 0; iteration < 200; ++iteration) {
    double gw = line.w, gb = line.b, hww = 1, hwb = 0, hbb = 1;
    for (size_t i = 0; i < n; ++i) {
      const double m = 1.0 - y[i] * line.at(z[i]);
      if (m <= 0) continue;
      const double cy = 2.0 * c[i] * y[i] * m;
      gw -= cy * z[i];
      gb -= cy;
      const double h = 2.0 * c[i];
      hww += h * z[i] * z[i];
      hwb += h * z[i];
      hbb += h;
    }
    const double gradient = std::hypot(gw, gb);
    if (firstGradient < 0) firstGradient = gradient;
    if (gradient <= 1e-13 * std::max(1.0, firstGradient)) break;
    const double det = hww * hbb - hwb * hwb;
    const double dw = -(hbb * gw - hwb * gb) / det, db = -(hww * gb - hwb * gw) / det;
    const double f0 = objective(line), slope = gw * dw + gb * db;
    double t = 1.0;
    Line next{line.w + dw, line.b + db};
    while (objective(next) > f0 + 1e-4 * t * slope && t > 1e-12) {
      t *= 0.5;
      next = {line.w + t * dw, line.b + t * db};
    }
    const bool stalled = std::abs(next.w - line.w) + std::abs(next.b - line.b) <=
                         1e-15 * (1.0 + std::abs(line.w) + std::abs(line.b));
    line = next;
    if (stalled) break;
  }
  return line;
}

// Test accuracy of LinearSVC(C = 0.01, class_weight = "balanced") on one feature. scikit-learn
// trains one-vs-rest through liblinear, which weights only the positive class of each problem:
// class c's items get C n / (K n_c), the rest C. Two classes make one problem (class 1
// positive) in which each class has its own weight.
double svmAccuracy(const std::vector<double>& zTrain, const std::vector<int>& yTrain,
                   const std::vector<double>& zTest, const std::vector<int>& yTest) {
  std::vector<int> classes(yTrain);
  std::sort(classes.begin(), classes.end());
  classes.erase(std::unique(classes.begin(), classes.end()), classes.end());
  std::vector<int> predicted(zTest.size(), classes.empty() ? 0 : classes[0]);
  const size_t k = classes.size();
  if (k >= 2) {
    const double n = double(zTrain.size());
    std::vector<double> count(k, 0.0);
    std::vector<size_t> index(zTrain.size());
    for (size_t i = 0; i < zTrain.size(); ++i) {
      index[i] =
          size_t(std::lower_bound(classes.begin(), classes.end(), yTrain[i]) - classes.begin());
      count[index[i]] += 1;
    }
    auto balanced = [&](size_t cls) { return kSapPenalty * n / (double(k) * count[cls]); };
    std::vector<int8_t> sign(zTrain.size());
    std::vector<double> weight(zTrain.size());
    std::vector<Line> lines;
    for (size_t positive = (k == 2 ? 1 : 0); positive < k; ++positive) {
      for (size_t i = 0; i < zTrain.size(); ++i) {
        const bool pos = index[i] == positive;
        sign[i] = pos ? 1 : -1;
        weight[i] = pos ? balanced(positive) : (k == 2 ? balanced(index[i]) : kSapPenalty);
      }
      lines.push_back(squaredHingeSvm(zTrain, sign, weight));
    }
    for (size_t i = 0; i < zTest.size(); ++i) {
      if (k == 2) {
        predicted[i] = classes[lines[0].at(zTest[i]) > 0 ? 1 : 0];
        continue;
      }
      size_t best = 0;
      for (size_t c = 1; c < k; ++c)
        if (lines[c].at(zTest[i]) > lines[best].at(zTest[i])) best = c;
      predicted[i] = classes[best];
    }
  }
  int64_t right = 0;
  for (size_t i = 0; i < zTest.size(); ++i) right += predicted[i] == yTest[i];
  return zTest.empty() ? 0.0 : double(right) / double(zTest.size());
}

void checkSplit(const CodeMatrix& codes, const FactorClasses& factors, int64_t trainItems,
                const char* score) {
  if (codes.items != factors.items)
    throw std::invalid_argument(std::string(score) + ": codes and factors differ in items");
  if (codes.dims < 2)
    throw std::invalid_argument(std::string(score) + " needs at least two code dimensions");
  if (trainItems < 1 || trainItems >= codes.items)
    throw std::invalid_argument(std::string(score) +
                                ": the train/test split needs items on both sides");
  if (!std::all_of(codes.values.begin(), codes.values.end(),
                   [](double v) { return std::isfinite(v); }))
    throw std::invalid_argument(std::string(score) + ": a code value is not finite");
}

std::vector<double> codeColumn(const CodeMatrix& codes, int j, int64_t from, int64_t to) {
  std::vector<double> out;
  out.reserve(size_t(to - from));
  for (int64_t i = from; i < to; ++i) out.push_back(codes.at(i, j));
  return out;
}

std::vector<int> factorColumn(const FactorClasses& f, int k, int64_t from, int64_t to) {
  std::vector<int> out;
  out.reserve(size_t(to - from));
  for (int64_t i = from; i < to; ++i) out.push_back(f.at(i, k));
  return out;
}

std::vector<float> codeRows(const CodeMatrix& codes, int64_t from, int64_t to) {
  return {codes.values.begin() + from * codes.dims, codes.values.begin() + to * codes.dims};
}

// 1 - H_base of a row after adding the smoothing and normalising; 1 for base <= 1.
double oneMinusEntropy(const std::vector<double>& row, int base) {
  if (base <= 1) return 1.0;
  double total = 0;
  for (double v : row) total += v + kDciSmoothing;
  double h = 0;
  for (double v : row) {
    const double p = (v + kDciSmoothing) / total;
    h -= p * std::log(p);
  }
  return 1.0 - h / std::log(double(base));
}

// numpy.var(ddof = 1) as numpy sums it along a non-contiguous axis: in order, mean first.
template <typename Value>
double sampleVariance(int64_t count, Value&& value) {
  double sum = 0;
  for (int64_t i = 0; i < count; ++i) sum += value(i);
  const double mean = sum / double(count);
  double squares = 0;
  for (int64_t i = 0; i < count; ++i) {
    const double d = value(i) - mean;
    squares += d * d;
  }
  return squares / double(count - 1);
}

}  // namespace

FactorClasses factorValueClasses(const std::vector<double>& factors, int64_t items, int count) {
  FactorClasses f = factorClasses(factors, items, count, FactorBinning::RawValues);
  for (int k = 0; k < f.factors(); ++k)
    if (f.classCount[size_t(k)] > kMaxFactorValuesAsClasses)
      throw std::invalid_argument(
          "factor " + std::to_string(f.kept[size_t(k)]) + " has " +
          std::to_string(f.classCount[size_t(k)]) +
          " distinct values; disentanglement_lib's convention needs discrete factors (at most " +
          std::to_string(kMaxFactorValuesAsClasses) + " values)");
  return f;
}

SvmSapScore svmSap(const CodeMatrix& codes, const FactorClasses& factors, int64_t trainItems) {
  checkSplit(codes, factors, trainItems, "SAP");
  SvmSapScore s;
  s.trainItems = trainItems;
  const int kCount = factors.factors();
  s.matrix.assign(size_t(codes.dims) * size_t(kCount), 0.0);
  for (int k = 0; k < kCount; ++k) {
    const std::vector<int> yTrain = factorColumn(factors, k, 0, trainItems);
    const std::vector<int> yTest = factorColumn(factors, k, trainItems, factors.items);
    std::vector<double> column;
    for (int j = 0; j < codes.dims; ++j) {
      const double accuracy = svmAccuracy(codeColumn(codes, j, 0, trainItems), yTrain,
                                          codeColumn(codes, j, trainItems, codes.items), yTest);
      s.matrix[size_t(j) * size_t(kCount) + size_t(k)] = accuracy;
      column.push_back(accuracy);
    }
    std::sort(column.begin(), column.end(), std::greater<>());
    s.perFactor.push_back(column[0] - column[1]);
  }
  if (kCount > 0)
    s.score = std::accumulate(s.perFactor.begin(), s.perFactor.end(), 0.0) / double(kCount);
  return s;
}

std::pair<double, double> smoothedDciScores(const std::vector<double>& importance, int dims,
                                            int factors) {
  auto r = [&](int j, int k) { return importance[size_t(j) * size_t(factors) + size_t(k)]; };
  const double total = std::accumulate(importance.begin(), importance.end(), 0.0);
  double disentanglement = 0, completeness = 0;
  for (int j = 0; j < dims; ++j) {
    std::vector<double> row(static_cast<size_t>(factors));
    for (int k = 0; k < factors; ++k) row[size_t(k)] = r(j, k);
    const double weight =
        total > 0 ? std::accumulate(row.begin(), row.end(), 0.0) / total : 1.0 / double(dims);
    disentanglement += weight * oneMinusEntropy(row, factors);
  }
  for (int k = 0; k < factors; ++k) {
    std::vector<double> column(static_cast<size_t>(dims));
    for (int j = 0; j < dims; ++j) column[size_t(j)] = r(j, k);
    const double weight = total > 0 ? std::accumulate(column.begin(), column.end(), 0.0) / total
                                    : 1.0 / double(factors);
    completeness += weight * oneMinusEntropy(column, dims);
  }
  return {disentanglement, completeness};
}

BoostedDciScore boostedDci(const CodeMatrix& codes, const FactorClasses& factors,
                           int64_t trainItems, const JobControl& job) {
  checkSplit(codes, factors, trainItems, "DCI");
  BoostedDciScore d;
  d.trainItems = trainItems;
  const int kCount = factors.factors();
  const int64_t testItems = codes.items - trainItems;
  const std::vector<float> xTrain = codeRows(codes, 0, trainItems);
  const std::vector<float> xTest = codeRows(codes, trainItems, codes.items);
  d.importance.assign(size_t(codes.dims) * size_t(kCount), 0.0);
  // The work of a factor grows with its class count (one tree per class and stage).
  double done = 0, work = 0;
  for (int c : factors.classCount) work += c;
  for (int k = 0; k < kCount; ++k) {
    job.cancel.throwIfCancelled();
    const JobControl factorJob =
        job.range(done / work, (done + factors.classCount[size_t(k)]) / work);
    const std::vector<int> yTrain = factorColumn(factors, k, 0, trainItems);
    const std::vector<int> yTest = factorColumn(factors, k, trainItems, factors.items);
    const int first = yTrain[0];
    double trainAccuracy = 1.0, testAccuracy = 0;
    if (std::any_of(yTrain.begin(), yTrain.end(), [&](int y) { return y != first; })) {
      const BoostedTrees trees =
          BoostedTrees::fit(xTrain, trainItems, codes.dims, yTrain, {}, factorJob);
      const std::vector<double> importance = trees.featureImportances();
      for (int j = 0; j < codes.dims; ++j)
        d.importance[size_t(j) * size_t(kCount) + size_t(k)] = std::abs(importance[size_t(j)]);
      const std::vector<int> onTrain = trees.predict(xTrain, trainItems);
      const std::vector<int> onTest = trees.predict(xTest, testItems);
      trainAccuracy = double(std::inner_product(onTrain.begin(), onTrain.end(), yTrain.begin(),
                                                int64_t(0), std::plus<>(), std::equal_to<>())) /
                      double(trainItems);
      testAccuracy = double(std::inner_product(onTest.begin(), onTest.end(), yTest.begin(),
                                               int64_t(0), std::plus<>(), std::equal_to<>())) /
                     double(testItems);
    } else {  // one class on the train split: predicted for every item, importance 0
      testAccuracy = double(std::count(yTest.begin(), yTest.end(), first)) / double(testItems);
    }
    d.informativeness += testAccuracy / kCount;
    d.trainInformativeness += trainAccuracy / kCount;
    done += factors.classCount[size_t(k)];
    job.report(done / work);
  }
  std::tie(d.disentanglement, d.completeness) = smoothedDciScores(d.importance, codes.dims, kCount);
  return d;
}

SamplingPlan drawFactorVaeVotes(const FactorClasses& factors, uint64_t seed, int trainCount,
                                int evalCount, int groupSize) {
  SamplingPlan plan;
  plan.groupSize = groupSize;
  if (factors.factors() == 0 || factors.items == 0) return plan;
  std::vector<std::vector<std::vector<int64_t>>> byValue(size_t(factors.factors()));
  for (int k = 0; k < factors.factors(); ++k) {
    byValue[size_t(k)].resize(size_t(factors.classCount[size_t(k)]));
    for (int64_t i = 0; i < factors.items; ++i)
      byValue[size_t(k)][size_t(factors.at(i, k))].push_back(i);
  }
  std::mt19937_64 rng(seed);
  auto draw = [&](int count, std::vector<int64_t>& items, std::vector<int>& labels) {
    for (int v = 0; v < count; ++v) {
      const int k = int(uniformBelow(rng, factors.factors()));
      const auto& values = byValue[size_t(k)];
      const auto& members = values[size_t(uniformBelow(rng, int64_t(values.size())))];
      for (int g = 0; g < groupSize; ++g)
        items.push_back(members[size_t(uniformBelow(rng, int64_t(members.size())))]);
      labels.push_back(k);
    }
  };
  draw(trainCount, plan.fvTrain, plan.fvTrainFactor);
  draw(evalCount, plan.fvEval, plan.fvEvalFactor);
  return plan;
}

ClassifierScore factorVaeScoreByStd(const CodeMatrix& codes, const FactorClasses& factors,
                                    const SamplingPlan& votes, uint64_t seed) {
  ClassifierScore s;
  const int dims = codes.dims, kCount = factors.factors(), group = votes.groupSize;
  std::vector<double> globalVariance(static_cast<size_t>(dims));
  std::vector<int> active;
  for (int j = 0; j < dims; ++j) {
    globalVariance[size_t(j)] =
        sampleVariance(codes.items, [&](int64_t i) { return codes.at(i, j); });
    if (std::sqrt(globalVariance[size_t(j)]) >= kFactorVaeMinStd)
      active.push_back(j);
    else
      s.prunedDims.push_back(j);
  }
  if (active.empty() || kCount == 0 || group < 2) return s;
  auto vote = [&](const std::vector<int64_t>& items, size_t v) {
    int best = active[0];
    double bestRatio = INFINITY;
    for (int j : active) {
      const double local = sampleVariance(
          group, [&](int64_t g) { return codes.at(items[v * size_t(group) + size_t(g)], j); });
      const double ratio = local / globalVariance[size_t(j)];
      if (ratio < bestRatio) bestRatio = ratio, best = j;
    }
    return best;
  };
  std::vector<int64_t> counts(size_t(dims) * size_t(kCount), 0);
  const size_t trainVotes = votes.fvTrainFactor.size();
  for (size_t v = 0; v < trainVotes; ++v)
    ++counts[size_t(vote(votes.fvTrain, v)) * size_t(kCount) + size_t(votes.fvTrainFactor[v])];
  std::vector<int> predicted(static_cast<size_t>(dims), 0);
  int64_t trainRight = 0;
  for (int j = 0; j < dims; ++j) {
    const auto row = counts.begin() + int64_t(j) * kCount;
    predicted[size_t(j)] = int(std::max_element(row, row + kCount) - row);
    trainRight += row[predicted[size_t(j)]];
  }
  std::vector<bool> evalCorrect;
  for (size_t v = 0; v < votes.fvEvalFactor.size(); ++v)
    evalCorrect.push_back(predicted[size_t(vote(votes.fvEval, v))] == votes.fvEvalFactor[v]);
  s.trainAccuracy = trainVotes ? double(trainRight) / double(trainVotes) : 0.0;
  s.score = evalCorrect.empty() ? 0.0
                                : double(std::count(evalCorrect.begin(), evalCorrect.end(), true)) /
                                      double(evalCorrect.size());
  std::tie(s.low, s.high) = bootstrapInterval(evalCorrect, s.bootstrapResamples, seed);
  return s;
}

}  // namespace strata
