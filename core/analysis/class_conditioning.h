#pragma once
// Conditional and semi-supervised models (contract 2, strata_meta.condition; docs/metrics.md):
// the analogy grid of Kingma et al.'s M2 paper (encode an item, keep its z, decode it under
// every class) and the two classifiers such a model holds: its q(y|x) and the generative
// classifier p(y|x) ∝ exp(ELBO(x, y)) p(y), found by enumerating y.

#include <cmath>
#include <cstdint>
#include <vector>

#include "core/analysis/model_metrics.h"
#include "core/base/job.h"
#include "core/data/dataset.h"
#include "core/model/model.h"

namespace strata {

// The y an item is encoded under for the analogy grid: its label when the dataset has one
// among the model's classes, else the class q(y|x) predicts, else -1 (uniform probabilities).
struct EncodingClass {
  int cls = -1;
  bool fromLabel = false;
};

struct AnalogyGrid {
  std::vector<int64_t> items;
  std::vector<EncodingClass> encodedUnder;  // per item
  int classes = 0;
  std::vector<float> images;  // items x classes decoded images, item-major, in [0, 1]
};

// The class each item is conditioned on where the data decide it: its label when the dataset
// has one among the model's classes, else the class q(y|x) predicts (in batches), else -1.
// Throws DataError when the model is not conditional or cannot read the dataset.
std::vector<EncodingClass> conditioningClasses(const Model& model, const Dataset& dataset,
                                               const std::vector<int64_t>& items,
                                               const JobControl& job = {});

// Each item encoded (posterior mean) under its EncodingClass, then decoded under every class.
// Throws DataError when the model is not conditional or cannot read the dataset.
AnalogyGrid analogyGrid(const Model& model, const Dataset& dataset,
                        const std::vector<int64_t>& items, const JobControl& job = {});

// Both classifiers on the items whose label is one of the model's classes: matched by name when
// the dataset names its classes (an image folder's are sorted by name), else by index.
struct ClassifierEvaluation {
  int classes = 0;
  int64_t items = 0;                         // labelled items scored
  std::vector<int64_t> confusion;            // q(y|x): [true][predicted], classes x classes
  std::vector<int64_t> generativeConfusion;  // the generative classifier, the same layout
  double qAccuracy = NAN;                    // NaN without a classifier q(y|x)
  double generativeAccuracy = NAN;
  double agreement = NAN;    // both predict the same class
  double meanEntropy = NAN;  // of q(y|x), nats
  // M2's bound on log p(x) with y summed out: U(x) = sum_y q(y|x) ELBO(x, y) + H(q(y|x)), the
  // mean over the items, with the generative classifier's ELBOs (NaN without q(y|x)).
  double bound = NAN;
  std::vector<int> labels, qPredicted, generativePredicted;  // per scored item
};

// The generative classifier draws one z ~ q(z|x, y) per item and class from SampleStream(seed),
// batches of kClassifierBatch items repeated class-major (row c * B + i is item i under
// class c), and scores ELBO(x, y) = log p(x|z, y) - KL(q(z|x,y) || p(z|y)) + log p(y) with the
// analytic KL and a uniform p(y).
constexpr int64_t kClassifierBatch = 32;
ClassifierEvaluation evaluateClassifiers(const Model& model, const Dataset& dataset,
                                         const std::vector<int64_t>& items, uint64_t seed,
                                         const JobControl& job = {});

// The metrics table's rows for a conditional model on labelled data (nothing otherwise), and
// the confusion matrix of q(y|x) kept in the table.
void addClassifierRows(ModelMetrics& m, const Model& model, const Dataset& dataset,
                       const std::vector<int64_t>& items, uint64_t seed, const JobControl& job);

}  // namespace strata
