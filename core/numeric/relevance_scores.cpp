#include "core/numeric/relevance_scores.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

namespace strata {

std::vector<double> ardPriorVariance(const CodeMatrix& means, const CodeMatrix& logVariances) {
  if (means.items != logVariances.items || means.dims != logVariances.dims ||
      means.values.size() != logVariances.values.size())
    throw std::invalid_argument("relevance: means and log-variances differ in shape");
  if (means.items < 1) throw std::invalid_argument("relevance: no items");
  std::vector<double> second(size_t(means.dims), 0.0);
  for (int64_t i = 0; i < means.items; ++i)
    for (int j = 0; j < means.dims; ++j) {
      const double mu = means.at(i, j), logVariance = logVariances.at(i, j);
      if (!std::isfinite(mu) || std::isnan(logVariance) || logVariance == INFINITY)
        throw std::invalid_argument(
            "relevance: a posterior mean is not finite or a "
            "log-variance is NaN or +inf");
      second[size_t(j)] += mu * mu + std::exp(logVariance);  // exp(-inf) = 0: a point mass
    }
  for (double& s : second) s /= double(means.items);
  return second;
}

int unitsExplaining(const std::vector<double>& scores, double explained, std::vector<int>* order,
                    std::vector<double>* cumulative) {
  for (double s : scores)
    if (!std::isfinite(s) || s < 0)
      throw std::invalid_argument("relevance: a score is negative or not finite");
  std::vector<int> sorted(scores.size());
  std::iota(sorted.begin(), sorted.end(), 0);
  std::stable_sort(sorted.begin(), sorted.end(),
                   [&](int a, int b) { return scores[size_t(a)] > scores[size_t(b)]; });
  double total = 0;
  for (int j : sorted) total += scores[size_t(j)];
  std::vector<double> running(scores.size(), 0.0);
  int count = 0;
  if (total > 0) {
    double sum = 0;
    count = int(scores.size());
    for (size_t k = 0; k < sorted.size(); ++k) {
      sum += scores[size_t(sorted[k])];
      running[k] = sum / total;
      if (running[k] > explained && count == int(scores.size())) count = int(k) + 1;
    }
  }
  if (order) *order = std::move(sorted);
  if (cumulative) *cumulative = std::move(running);
  return count;
}

UnitRelevance ardRelevance(const CodeMatrix& means, const CodeMatrix& logVariances,
                           std::vector<double> jacobianWeight) {
  UnitRelevance r;
  r.priorVariance = ardPriorVariance(means, logVariances);
  if (jacobianWeight.size() != r.priorVariance.size())
    throw std::invalid_argument("relevance: one Jacobian weight per unit expected");
  r.jacobianWeight = std::move(jacobianWeight);
  r.relevance.resize(r.priorVariance.size());
  for (size_t j = 0; j < r.relevance.size(); ++j)
    r.relevance[j] = r.jacobianWeight[j] * r.priorVariance[j];
  r.relevantUnits = unitsExplaining(r.relevance, kRelevanceExplained, &r.order, &r.cumulative);
  r.priorVarianceOnlyUnits =
      unitsExplaining(r.priorVariance, kRelevanceExplained, nullptr, nullptr);
  return r;
}

}  // namespace strata
