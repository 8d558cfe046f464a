#pragma once
// MIG, SAP, DCI and the FactorVAE score in Google disentanglement_lib's convention, the one
// published tables use (docs/metrics.md, "disentanglement_lib convention"): raw factor values
// as classes, SAP as a gap of linear-SVM accuracies, DCI from gradient-boosted trees, FactorVAE
// pruning by standard deviation with votes drawn with replacement. Strata's own definitions
// (disentanglement.h) stay as named variants. tools/strata_tools/dlib_scores.py (scikit-learn)
// is the reference the tests compare with.

#include <cstdint>
#include <utility>
#include <vector>

#include "core/base/job.h"
#include "core/numeric/disentanglement.h"

namespace strata {

// The convention has no continuous factors: each value is a class of SAP's and DCI's
// classifiers, so factors with more values than this are refused.
constexpr int kMaxFactorValuesAsClasses = 256;

// Factor values as classes (every value its own class, constant factors dropped). Throws
// std::invalid_argument naming the factor (by its index in `factors`) that has more than
// kMaxFactorValuesAsClasses values.
FactorClasses factorValueClasses(const std::vector<double>& factors, int64_t items, int count);

// SAP: S[i, j] = test accuracy of a linear SVM (scikit-learn LinearSVC(C = 0.01,
// class_weight = "balanced"): squared hinge, L2, penalised intercept, one-vs-rest) on code
// dimension i alone predicting factor j, solved to convergence; per factor the gap between the
// two largest; the first `trainItems` items train, the rest test.
struct SvmSapScore {
  double score = 0;
  std::vector<double> perFactor;
  std::vector<double> matrix;  // [dims, factors] test accuracy
  int64_t trainItems = 0;
};
SvmSapScore svmSap(const CodeMatrix& codes, const FactorClasses& factors, int64_t trainItems);

// DCI with one gradient-boosted classifier per factor (scikit-learn's defaults,
// gradient_boosting.h): importance [dims, factors] = feature importances, disentanglement and
// completeness from it with 1e-11 added to every entry, informativeness = mean test accuracy.
struct BoostedDciScore {
  double disentanglement = 0, completeness = 0;
  double informativeness = 0, trainInformativeness = 0;  // mean test / train accuracy
  std::vector<double> importance;                        // [dims, factors]
  int64_t trainItems = 0;
};
BoostedDciScore boostedDci(const CodeMatrix& codes, const FactorClasses& factors,
                           int64_t trainItems, const JobControl& job = {});
// Disentanglement and completeness of an importance matrix [dims, factors] as dci.py scores it.
std::pair<double, double> smoothedDciScores(const std::vector<double>& importance, int dims,
                                            int factors);

// FactorVAE votes as disentanglement_lib draws them: a factor uniformly, one of its values
// uniformly, groupSize items with that value drawn with replacement. Fills fvTrain/fvEval.
SamplingPlan drawFactorVaeVotes(const FactorClasses& factors, uint64_t seed, int trainCount = 10000,
                                int evalCount = 5000, int groupSize = 64);

// FactorVAE score on those votes: dimensions with standard deviation (ddof 1) below 0.05 are
// pruned; a vote is the active dimension of least variance (ddof 1) relative to its global
// variance; majority-vote classifier; accuracy on the evaluation votes with a bootstrap interval.
ClassifierScore factorVaeScoreByStd(const CodeMatrix& codes, const FactorClasses& factors,
                                    const SamplingPlan& votes, uint64_t seed);

}  // namespace strata
