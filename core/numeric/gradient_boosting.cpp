#include "core/numeric/gradient_boosting.h"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>
#include <stdexcept>
#include <thread>

namespace strata {
namespace {

// scikit-learn's tree builder: values closer than this are one value (no split between them),
// and a node whose impurity is within rounding of 0 is a leaf.
constexpr double kFeatureThreshold = 1e-7;
constexpr double kImpurityEpsilon = DBL_EPSILON;

struct NodeStats {
  int64_t count = 0;
  double sum = 0, squares = 0;
  double impurity() const {
    const double mean = sum / double(count);
    return squares / double(count) - mean * mean;
  }
};

struct Candidate {
  double proxy = -std::numeric_limits<double>::infinity();
  int feature = -1;
  double threshold = 0;
};

struct ScanState {
  int64_t leftCount = 0;
  double leftSum = 0;
  float last = 0;
};

// Grows one regression tree on `target` level by level: at each level every open node finds
// its best split in one pass per feature over the samples in that feature's sorted order. The
// tree is the one scikit-learn's depth-first builder grows (a node's split does not depend on
// the order nodes are visited), up to which of exactly equal splits wins: both decide by a
// random feature order, from different generators.
class TreeGrower {
 public:
  // order[f]: the samples by increasing feature f; sorted[f]: their values in that order.
  TreeGrower(const std::vector<float>& x, int64_t n, int dims,
             const std::vector<std::vector<int>>& order,
             const std::vector<std::vector<float>>& sorted, int maxDepth)
      : x_(x), n_(n), dims_(dims), order_(order), sorted_(sorted), maxDepth_(maxDepth) {}

  // Returns the tree with `leafOf` set to each sample's leaf; adds the tree's unnormalised
  // impurity decreases to `importance` when it splits at all (returns whether it did).
  bool grow(const std::vector<double>& target, uint64_t seed, BoostedTrees::Tree& tree,
            std::vector<uint8_t>& leafOf, std::vector<double>& importance) {
    rng_.seed(static_cast<std::mt19937::result_type>(seed));
    tree.assign(1, {});
    leafOf.assign(size_t(n_), 0);
    std::vector<NodeStats> stats = nodeStats(target, leafOf, 1);
    std::vector<int> open{0};
    for (int depth = 0; depth < maxDepth_ && !open.empty(); ++depth) {
      std::vector<int> slotOf(tree.size(), -1);
      const std::vector<int> splitting = splittable(open, stats, slotOf);
      if (splitting.empty()) break;
      open = addChildren(tree, splitting, bestSplits(target, leafOf, slotOf, splitting, stats));
      if (open.empty()) break;
      route(tree, leafOf);
      stats = nodeStats(target, leafOf, tree.size());
    }
    if (tree.size() == 1) return false;
    addImportance(tree, allNodeStats(target, leafOf, tree), importance);
    return true;
  }

 private:
  // The open nodes that may split (two samples, impurity above rounding), numbered in `slotOf`.
  static std::vector<int> splittable(const std::vector<int>& open,
                                     const std::vector<NodeStats>& stats,
                                     std::vector<int>& slotOf) {
    std::vector<int> splitting;
    for (int node : open) {
      const NodeStats& s = stats[size_t(node)];
      if (s.count < 2 || s.impurity() <= kImpurityEpsilon) continue;
      slotOf[size_t(node)] = int(splitting.size());
      splitting.push_back(node);
    }
    return splitting;
  }

  // Gives each node with a split its two children; returns the children.
  static std::vector<int> addChildren(BoostedTrees::Tree& tree, const std::vector<int>& splitting,
                                      const std::vector<Candidate>& best) {
    std::vector<int> children;
    for (size_t slot = 0; slot < splitting.size(); ++slot) {
      if (best[slot].feature < 0) continue;
      BoostedTrees::Node& node = tree[size_t(splitting[slot])];
      node.feature = best[slot].feature;
      node.threshold = best[slot].threshold;
      node.left = int(tree.size());
      node.right = node.left + 1;
      children.push_back(node.left);
      children.push_back(node.right);
      tree.resize(tree.size() + 2);
    }
    return children;
  }

  // Moves each sample from a node that split into the child its value goes to.
  void route(const BoostedTrees::Tree& tree, std::vector<uint8_t>& leafOf) const {
    for (int64_t i = 0; i < n_; ++i) {
      const BoostedTrees::Node& at = tree[leafOf[size_t(i)]];
      if (at.feature < 0) continue;
      leafOf[size_t(i)] =
          uint8_t(x_[size_t(i * dims_ + at.feature)] <= at.threshold ? at.left : at.right);
    }
  }

  // scikit-learn's unnormalised importance: each split's weighted impurity decrease over the
  // root's sample count.
  void addImportance(const BoostedTrees::Tree& tree, const std::vector<NodeStats>& all,
                     std::vector<double>& importance) const {
    for (size_t at = 0; at < tree.size(); ++at) {
      const BoostedTrees::Node& node = tree[at];
      if (node.feature < 0) continue;
      const NodeStats& p = all[at];
      const NodeStats& l = all[size_t(node.left)];
      const NodeStats& r = all[size_t(node.right)];
      importance[size_t(node.feature)] +=
          (double(p.count) * p.impurity() - double(l.count) * l.impurity() -
           double(r.count) * r.impurity()) /
          double(n_);
    }
  }

  std::vector<NodeStats> nodeStats(const std::vector<double>& target,
                                   const std::vector<uint8_t>& nodeOf, size_t nodes) const {
    std::vector<NodeStats> stats(nodes);
    for (int64_t i = 0; i < n_; ++i) {
      NodeStats& s = stats[nodeOf[size_t(i)]];
      const double t = target[size_t(i)];
      ++s.count;
      s.sum += t;
      s.squares += t * t;
    }
    return stats;
  }

  // Statistics of every node (inner ones too), from the leaves' samples up.
  std::vector<NodeStats> allNodeStats(const std::vector<double>& target,
                                      const std::vector<uint8_t>& leafOf,
                                      const BoostedTrees::Tree& tree) const {
    std::vector<int> parent(tree.size(), -1);
    for (size_t p = 0; p < tree.size(); ++p)
      if (tree[p].feature >= 0)
        parent[size_t(tree[p].left)] = parent[size_t(tree[p].right)] = int(p);
    std::vector<NodeStats> stats(tree.size());
    for (int64_t i = 0; i < n_; ++i) {
      const double t = target[size_t(i)];
      for (int node = leafOf[size_t(i)]; node >= 0; node = parent[size_t(node)]) {
        NodeStats& s = stats[size_t(node)];
        ++s.count;
        s.sum += t;
        s.squares += t * t;
      }
    }
    return stats;
  }

  // The best split of each splitting node: scikit-learn's friedman_mse proxy
  // (n_r s_l - n_l s_r)^2 / (n_l n_r), largest wins, between consecutive distinct values.
  std::vector<Candidate> bestSplits(const std::vector<double>& target,
                                    const std::vector<uint8_t>& nodeOf,
                                    const std::vector<int>& slotOf,
                                    const std::vector<int>& splitting,
                                    const std::vector<NodeStats>& stats) {
    std::vector<Candidate> best(splitting.size());
    std::vector<ScanState> scan(splitting.size());
    // scikit-learn visits the features in a random order per node and keeps the first of
    // equally good splits; always preferring the lower feature would bias the importances.
    std::vector<int> visitRank(splitting.size() * size_t(dims_));
    for (size_t slot = 0; slot < splitting.size(); ++slot) {
      const auto first = visitRank.begin() + int64_t(slot) * dims_;
      std::iota(first, first + dims_, 0);
      std::shuffle(first, first + dims_, rng_);
    }
    auto rank = [&](size_t slot, int f) { return visitRank[slot * size_t(dims_) + size_t(f)]; };
    for (int f = 0; f < dims_; ++f) {
      std::fill(scan.begin(), scan.end(), ScanState{});
      const std::vector<int>& order = order_[size_t(f)];
      const std::vector<float>& sorted = sorted_[size_t(f)];
      for (size_t p = 0; p < order.size(); ++p) {
        const int i = order[p];
        const int slot = slotOf[nodeOf[size_t(i)]];
        if (slot < 0) continue;
        ScanState& s = scan[size_t(slot)];
        const float v = sorted[p];
        if (s.leftCount > 0 && double(v) > double(s.last) + kFeatureThreshold) {
          const NodeStats& node = stats[size_t(splitting[size_t(slot)])];
          const double nl = double(s.leftCount), nr = double(node.count - s.leftCount);
          const double diff = nr * s.leftSum - nl * (node.sum - s.leftSum);
          const double proxy = diff * diff / (nl * nr);
          Candidate& b = best[size_t(slot)];
          if (proxy > b.proxy ||
              (proxy == b.proxy && b.feature != f && rank(slot, f) < rank(slot, b.feature))) {
            double threshold = double(s.last) / 2.0 + double(v) / 2.0;
            if (threshold == double(v) || std::isinf(threshold)) threshold = double(s.last);
            b = {proxy, f, threshold};
          }
        }
        ++s.leftCount;
        s.leftSum += target[size_t(i)];
        s.last = v;
      }
    }
    return best;
  }

  const std::vector<float>& x_;
  int64_t n_;
  int dims_;
  const std::vector<std::vector<int>>& order_;
  const std::vector<std::vector<float>>& sorted_;
  int maxDepth_;
  std::mt19937 rng_;  // seeded per tree: the same trees on every run
};

struct StageTree {
  BoostedTrees::Tree tree;
  std::vector<double> importance;
  bool splits = false;
};

// Newton step per leaf, as scikit-learn's log-loss sets it: sum r / sum p (1 - p), with
// p = target - r, scaled by (K - 1) / K for K classes; 0 where the denominator vanishes.
void setLeafValues(BoostedTrees::Tree& tree, const std::vector<uint8_t>& leafOf,
                   const std::vector<double>& residual, const std::vector<int>& y, int positive,
                   double scale) {
  std::vector<double> numerator(tree.size(), 0.0), denominator(tree.size(), 0.0);
  for (size_t i = 0; i < residual.size(); ++i) {
    const double r = residual[i], target = double(y[i] == positive);
    numerator[leafOf[i]] += r;
    denominator[leafOf[i]] += (target - r) * (1.0 - target + r);
  }
  for (size_t node = 0; node < tree.size(); ++node) {
    if (tree[node].feature >= 0) continue;
    tree[node].value =
        std::abs(denominator[node]) < 1e-150 ? 0.0 : numerator[node] * scale / denominator[node];
  }
}

int leafOfRow(const BoostedTrees::Tree& tree, const float* row) {
  int node = 0;
  while (tree[size_t(node)].feature >= 0) {
    const BoostedTrees::Node& at = tree[size_t(node)];
    node = double(row[at.feature]) <= at.threshold ? at.left : at.right;
  }
  return node;
}

// The state of one fit: labels as class numbers, samples presorted per feature, raw
// predictions per tree of a stage, the summed importances.
class Booster {
 public:
  Booster(const std::vector<float>& x, int64_t n, int dims, std::vector<int> y, int classCount,
          const BoostingOptions& options)
      : x_(x),
        n_(n),
        dims_(dims),
        y_(std::move(y)),
        binary_(classCount == 2),
        perStage_(binary_ ? 1 : classCount),
        options_(options),
        leafScale_(binary_ ? 1.0 : double(classCount - 1) / double(classCount)),
        importanceSum_(static_cast<size_t>(dims), 0.0) {
    presort();
  }

  // scikit-learn starts from the class priors clipped to float32's epsilon: the log-odds of
  // class 1 for two classes, else the log of each class's prior.
  std::vector<double> start() const {
    std::vector<int64_t> counts(binary_ ? 2 : size_t(perStage_), 0);
    for (int c : y_) ++counts[size_t(c)];
    const double eps = double(std::numeric_limits<float>::epsilon());
    auto prior = [&](size_t c) { return std::clamp(double(counts[c]) / double(n_), eps, 1 - eps); };
    if (binary_) return {std::log(prior(1) / (1 - prior(1)))};
    std::vector<double> out;
    for (size_t c = 0; c < counts.size(); ++c) out.push_back(std::log(prior(c)));
    return out;
  }

  void run(BoostedTrees::Model& model, const JobControl& job) {
    model.start = start();
    raw_.resize(size_t(n_) * size_t(perStage_));
    for (int64_t i = 0; i < n_; ++i)
      std::copy(model.start.begin(), model.start.end(), raw_.begin() + i * perStage_);
    probability_.resize(raw_.size());
    for (int stage = 0; stage < options_.stages; ++stage) {
      job.cancel.throwIfCancelled();
      job.report(double(stage) / options_.stages);
      updateProbabilities();
      for (StageTree& t : growStage(stage)) {
        if (t.splits) {
          ++splittingTrees_;
          for (int f = 0; f < dims_; ++f) importanceSum_[size_t(f)] += t.importance[size_t(f)];
        }
        model.trees.push_back(std::move(t.tree));
      }
    }
    model.importance.assign(size_t(dims_), 0.0);
    const double total = std::accumulate(importanceSum_.begin(), importanceSum_.end(), 0.0);
    if (splittingTrees_ > 0 && total > 0)
      for (int f = 0; f < dims_; ++f)
        model.importance[size_t(f)] = importanceSum_[size_t(f)] / total;
  }

 private:
  void presort() {
    order_.resize(size_t(dims_));
    sorted_.resize(size_t(dims_));
    for (int f = 0; f < dims_; ++f) {
      std::vector<int>& o = order_[size_t(f)];
      o.resize(size_t(n_));
      std::iota(o.begin(), o.end(), 0);
      std::stable_sort(o.begin(), o.end(), [&](int a, int b) { return value(a, f) < value(b, f); });
      sorted_[size_t(f)].reserve(size_t(n_));
      for (int i : o) sorted_[size_t(f)].push_back(value(i, f));
    }
  }

  float value(int64_t i, int f) const { return x_[size_t(i * dims_ + f)]; }

  // Every tree of a stage fits the gradient at the predictions before the stage.
  void updateProbabilities() {
    for (int64_t i = 0; i < n_; ++i) {
      const double* r = &raw_[size_t(i) * size_t(perStage_)];
      double* p = &probability_[size_t(i) * size_t(perStage_)];
      if (binary_) {
        p[0] = 1.0 / (1.0 + std::exp(-r[0]));
        continue;
      }
      const double top = *std::max_element(r, r + perStage_);
      double total = 0;
      for (int k = 0; k < perStage_; ++k) total += std::exp(r[k] - top);
      const double logSum = top + std::log(total);
      for (int k = 0; k < perStage_; ++k) p[k] = std::exp(r[k] - logSum);
    }
  }

  // The trees of a stage are independent: grown on up to four threads, each from its own
  // seed, and returned in class order, so the result does not depend on the thread count.
  std::vector<StageTree> growStage(int stage) {
    const int threads =
        std::clamp(int(std::thread::hardware_concurrency()), 1, std::min(perStage_, 4));
    std::vector<StageTree> grown(static_cast<size_t>(perStage_));
    std::vector<std::thread> helpers;
    for (int part = 1; part < threads; ++part)
      helpers.emplace_back([&, part] { growTrees(stage, part, threads, grown); });
    growTrees(stage, 0, threads, grown);
    for (std::thread& t : helpers) t.join();
    return grown;
  }

  void growTrees(int stage, int part, int parts, std::vector<StageTree>& grown) {
    TreeGrower grower(x_, n_, dims_, order_, sorted_, options_.maxDepth);
    std::vector<double> residual(static_cast<size_t>(n_));
    std::vector<uint8_t> leafOf;
    for (int k = part; k < perStage_; k += parts) {
      const int positive = binary_ ? 1 : k;
      for (int64_t i = 0; i < n_; ++i)
        residual[size_t(i)] = double(y_[size_t(i)] == positive) -
                              probability_[size_t(i) * size_t(perStage_) + size_t(k)];
      StageTree& t = grown[size_t(k)];
      t.importance.assign(static_cast<size_t>(dims_), 0.0);
      t.splits = grower.grow(residual, uint64_t(stage) * uint64_t(perStage_) + uint64_t(k), t.tree,
                             leafOf, t.importance);
      setLeafValues(t.tree, leafOf, residual, y_, positive, leafScale_);
      for (int64_t i = 0; i < n_; ++i)
        raw_[size_t(i) * size_t(perStage_) + size_t(k)] +=
            options_.learningRate * t.tree[leafOf[size_t(i)]].value;
    }
  }

  const std::vector<float>& x_;
  int64_t n_;
  int dims_;
  std::vector<int> y_;
  bool binary_;
  int perStage_;
  BoostingOptions options_;
  double leafScale_;
  std::vector<std::vector<int>> order_;
  std::vector<std::vector<float>> sorted_;
  std::vector<double> raw_, probability_, importanceSum_;
  int splittingTrees_ = 0;
};

}  // namespace

BoostedTrees BoostedTrees::fit(const std::vector<float>& x, int64_t n, int dims,
                               const std::vector<int>& labels, const BoostingOptions& options,
                               const JobControl& job) {
  if (n < 1 || dims < 1 || int64_t(x.size()) != n * dims || int64_t(labels.size()) != n)
    throw std::invalid_argument("boosted trees: features and labels do not match");
  // A NaN would break the sort's ordering: refused, not split on.
  if (!std::all_of(x.begin(), x.end(), [](float v) { return std::isfinite(v); }))
    throw std::invalid_argument("boosted trees: a feature value is not finite");
  if (options.maxDepth < 1 || options.maxDepth > 6 || options.stages < 1)
    throw std::invalid_argument("boosted trees: depth must be 1..6 and stages at least 1");
  BoostedTrees trees;
  trees.dims_ = dims;
  trees.learningRate_ = options.learningRate;
  trees.classes_ = labels;
  std::sort(trees.classes_.begin(), trees.classes_.end());
  trees.classes_.erase(std::unique(trees.classes_.begin(), trees.classes_.end()),
                       trees.classes_.end());
  const int classCount = int(trees.classes_.size());
  if (classCount < 2) throw std::invalid_argument("boosted trees need at least two classes");
  std::vector<int> y(static_cast<size_t>(n), 0);
  for (int64_t i = 0; i < n; ++i)
    y[size_t(i)] =
        int(std::lower_bound(trees.classes_.begin(), trees.classes_.end(), labels[size_t(i)]) -
            trees.classes_.begin());
  trees.treesPerStage_ = classCount == 2 ? 1 : classCount;
  Model model;
  Booster(x, n, dims, std::move(y), classCount, options).run(model, job);
  trees.start_ = std::move(model.start);
  trees.trees_ = std::move(model.trees);
  trees.importance_ = std::move(model.importance);
  return trees;
}

std::vector<int> BoostedTrees::predict(const std::vector<float>& x, int64_t n) const {
  if (int64_t(x.size()) != n * dims_)
    throw std::invalid_argument("boosted trees: rows do not match the fitted feature count");
  std::vector<int> out(static_cast<size_t>(n));
  std::vector<double> raw(static_cast<size_t>(treesPerStage_));
  for (int64_t i = 0; i < n; ++i) {
    const float* row = &x[size_t(i * dims_)];
    raw = start_;
    for (size_t t = 0; t < trees_.size(); ++t)
      raw[t % size_t(treesPerStage_)] +=
          learningRate_ * trees_[t][size_t(leafOfRow(trees_[t], row))].value;
    int predicted = 0;
    if (treesPerStage_ == 1)
      predicted = 1.0 / (1.0 + std::exp(-raw[0])) > 0.5 ? 1 : 0;
    else
      predicted = int(std::max_element(raw.begin(), raw.end()) - raw.begin());
    out[size_t(i)] = classes_[size_t(predicted)];
  }
  return out;
}

}  // namespace strata
