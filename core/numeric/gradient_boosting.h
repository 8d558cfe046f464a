#pragma once
// Gradient-boosted classification trees with the defaults of scikit-learn's
// GradientBoostingClassifier: log-loss (one tree per stage for two classes, else one per class),
// the log class priors as the start, 100 stages, learning rate 0.1, regression trees of depth 3
// grown with the friedman_mse criterion over all features, Newton-step leaf values. The DCI
// score in disentanglement_lib's convention is defined by this classifier's feature importances
// (docs/metrics.md); tests compare it with scikit-learn's on the same codes.

#include <cstdint>
#include <vector>

#include "core/base/job.h"

namespace strata {

struct BoostingOptions {
  int stages = 100;
  double learningRate = 0.1;
  int maxDepth = 3;
};

class BoostedTrees {
 public:
  // x: [n, dims] row-major, read as float32 (as scikit-learn reads it); labels: any ints, the
  // classes are the distinct labels (at least two).
  // Reports progress per stage and stops between stages when cancelled. Throws
  // std::invalid_argument on bad shapes or a non-finite feature.
  static BoostedTrees fit(const std::vector<float>& x, int64_t n, int dims,
                          const std::vector<int>& labels, const BoostingOptions& options = {},
                          const JobControl& job = {});

  // The predicted label of each row of x [n, dims]; the first class on ties.
  std::vector<int> predict(const std::vector<float>& x, int64_t n) const;

  // scikit-learn's feature_importances_: the impurity decrease of each feature's splits
  // weighted by the samples reaching them, averaged over the trees that split at all and
  // normalised to sum 1; all 0 if no tree splits.
  std::vector<double> featureImportances() const { return importance_; }

  struct Node {
    int feature = -1;  // -1: a leaf
    double threshold = 0;
    int left = -1, right = -1;
    double value = 0;
  };
  using Tree = std::vector<Node>;
  // What a fit produces: the start per tree of a stage, the trees (stage-major), importances.
  struct Model {
    std::vector<double> start;
    std::vector<Tree> trees;
    std::vector<double> importance;
  };
  const std::vector<Tree>& trees() const { return trees_; }  // stage-major

 private:
  int dims_ = 0;
  std::vector<int> classes_;   // sorted distinct labels
  int treesPerStage_ = 0;      // 1 for two classes, else the class count
  std::vector<double> start_;  // initial raw prediction per tree of a stage
  double learningRate_ = 0.1;
  std::vector<Tree> trees_;  // stage-major
  std::vector<double> importance_;
};

}  // namespace strata
