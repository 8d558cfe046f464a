#pragma once
// Disentanglement scores of latent codes against ground-truth factors: MIG, SAP, DCI,
// FactorVAE and beta-VAE scores, as defined in docs/metrics.md. Pure numerics on arrays;
// tools/strata_tools/metrics.py is the independent reference they are tested against.

#include <cstdint>
#include <vector>

#include "core/base/job.h"

namespace strata {

// Codes [items, dims], row-major, float64.
struct CodeMatrix {
  int64_t items = 0;
  int dims = 0;
  std::vector<double> values;
  double at(int64_t i, int j) const { return values[static_cast<size_t>(i * dims + j)]; }
};

// Factor values turned into class indices (docs/metrics.md, "Inputs").
struct FactorClasses {
  int64_t items = 0;
  std::vector<int> kept;        // indices of the kept (non-constant) input factors
  std::vector<int> classCount;  // per kept factor
  std::vector<int> classes;     // [items, kept.size()]
  int factors() const { return static_cast<int>(kept.size()); }
  int at(int64_t i, int k) const { return classes[static_cast<size_t>(i * factors() + k)]; }
};

// Sums of centred products of two equally long series (about their own means).
struct CentredMoments {
  double aa = 0, bb = 0, ab = 0;
};
CentredMoments centredMoments(const std::vector<double>& a, const std::vector<double>& b);
// Pearson's r; NaN when either series is constant.
double pearsonCorrelation(const std::vector<double>& a, const std::vector<double>& b);

// np.digitize(x, linspace(min, max, bins + 1)[:-1]): bin numbers in 1..bins (a constant x falls
// in one bin). The binning of MIG and of the mutual information between units.
std::vector<int> histogramBins(const std::vector<double>& x, int bins);

// Mutual information (nats, empirical frequencies) of two discrete variables with values in
// 0..aCount-1 and 0..bCount-1, as sklearn.metrics.mutual_info_score computes it.
double discreteMutualInformation(const std::vector<int>& a, int aCount, const std::vector<int>& b,
                                 int bCount);

// How factor values become classes: Strata's convention puts a factor with more than 20
// values into 20 equal-width bins; disentanglement_lib's uses every value as a class.
enum class FactorBinning { WideIntoTwentyBins, RawValues };

// factors: [items, count] row-major. Constant factors are dropped.
FactorClasses factorClasses(const std::vector<double>& factors, int64_t items, int count,
                            FactorBinning binning = FactorBinning::WideIntoTwentyBins);

struct MigScore {
  double score = 0;
  std::vector<double> perFactor;
  int bins = 20;
};
MigScore mutualInformationGap(const CodeMatrix& codes, const FactorClasses& factors, int bins = 20);

struct SapScore {
  double score = 0;
  std::vector<double> perFactor;
  std::vector<double> matrix;  // [dims, factors] R^2
};
SapScore separatedAttributePredictability(const CodeMatrix& codes, const FactorClasses& factors);

struct DciScore {
  double disentanglement = 0, completeness = 0, informativeness = 0;
  std::vector<double> importance;  // [dims, factors]
  double alpha = 0.01;
  double trainFraction = 0.8;
};
DciScore dciScore(const CodeMatrix& codes, const FactorClasses& factors, double alpha = 0.01,
                  double trainFraction = 0.8);

// The random draws behind the FactorVAE and beta-VAE scores, recorded so an independent
// implementation can recompute the scores from the same draws.
struct SamplingPlan {
  int groupSize = 64;
  // FactorVAE: [votes, groupSize] item indices sharing one class of the vote's factor.
  std::vector<int64_t> fvTrain, fvEval;
  std::vector<int> fvTrainFactor, fvEvalFactor;
  // beta-VAE: [examples, groupSize, 2] item pairs sharing one class of the example's factor.
  std::vector<int64_t> bvTrain, bvEval;
  std::vector<int> bvTrainFactor, bvEvalFactor;
};
SamplingPlan makeSamplingPlan(const FactorClasses& factors, uint64_t seed, int trainCount = 5000,
                              int evalCount = 2500, int groupSize = 64);

struct ClassifierScore {
  double score = 0;          // evaluation accuracy
  double low = 0, high = 0;  // 95% bootstrap interval
  double trainAccuracy = 0;
  int bootstrapResamples = 1000;
  std::vector<int> prunedDims;  // FactorVAE only
};
ClassifierScore factorVaeScore(const CodeMatrix& codes, const FactorClasses& factors,
                               const SamplingPlan& plan, uint64_t seed);
ClassifierScore betaVaeScore(const CodeMatrix& codes, const FactorClasses& factors,
                             const SamplingPlan& plan, uint64_t seed);

// 2.5 and 97.5 percentiles of the accuracy over resamples of per-example correctness.
std::pair<double, double> bootstrapInterval(const std::vector<bool>& correct, int resamples,
                                            uint64_t seed);

}  // namespace strata
