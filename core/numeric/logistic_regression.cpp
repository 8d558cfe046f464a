#include "core/numeric/logistic_regression.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <stdexcept>

namespace strata {
namespace {

struct Objective {
  const Eigen::MatrixXd& x;
  const std::vector<int>& labels;
  double c;
  Eigen::Index classes;

  // Parameters packed as [W row-major by class | intercepts]; returns f, writes the gradient.
  double operator()(const Eigen::VectorXd& theta, Eigen::VectorXd& grad) const {
    const Eigen::Index features = x.cols();
    const Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>
        w(theta.data(), classes, features);
    const Eigen::Map<const Eigen::VectorXd> b(theta.data() + classes * features, classes);
    Eigen::MatrixXd scores = x * w.transpose();
    scores.rowwise() += b.transpose();
    double loss = 0;
    for (Eigen::Index i = 0; i < scores.rows(); ++i) {
      const double top = scores.row(i).maxCoeff();
      Eigen::RowVectorXd p = (scores.row(i).array() - top).exp();
      const double sum = p.sum();
      loss += top + std::log(sum) - scores(i, labels[size_t(i)]);
      p /= sum;
      p(labels[size_t(i)]) -= 1.0;
      scores.row(i) = p;  // now the residual p - onehot
    }
    grad.resize(theta.size());
    Eigen::Map<Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>> gw(
        grad.data(), classes, features);
    gw = c * scores.transpose() * x + w;
    grad.tail(classes) = c * scores.colwise().sum().transpose();
    return c * loss + 0.5 * w.squaredNorm();
  }
};

using History = std::deque<std::pair<Eigen::VectorXd, Eigen::VectorXd>>;  // (s, y), newest last

// L-BFGS two-loop recursion: the inverse Hessian estimated from `history`, times `grad`.
Eigen::VectorXd inverseHessianTimes(const History& history, const Eigen::VectorXd& grad) {
  Eigen::VectorXd q = grad;
  std::vector<double> alphas(history.size());
  for (size_t h = history.size(); h-- > 0;) {
    const auto& [s, y] = history[h];
    alphas[h] = s.dot(q) / y.dot(s);
    q -= alphas[h] * y;
  }
  if (!history.empty())
    q *= history.back().first.dot(history.back().second) / history.back().second.squaredNorm();
  for (size_t h = 0; h < history.size(); ++h) {
    const auto& [s, y] = history[h];
    q += s * (alphas[h] - y.dot(q) / y.dot(s));
  }
  return q;
}

}  // namespace

std::vector<int> LogisticRegression::predict(const Eigen::MatrixXd& x) const {
  Eigen::MatrixXd scores = x * weights.transpose();
  scores.rowwise() += intercept.transpose();
  std::vector<int> out(static_cast<size_t>(x.rows()));
  for (Eigen::Index i = 0; i < x.rows(); ++i) {
    Eigen::Index best = 0;
    scores.row(i).maxCoeff(&best);
    out[size_t(i)] = int(best);
  }
  return out;
}

LogisticRegression fitLogisticRegression(const Eigen::MatrixXd& x, const std::vector<int>& labels,
                                         double c, int maxIterations) {
  if (size_t(x.rows()) != labels.size() || labels.empty())
    throw std::invalid_argument("logistic regression: one label per row required");
  const Eigen::Index classes = *std::max_element(labels.begin(), labels.end()) + 1;
  const Objective f{x, labels, c, classes};
  const Eigen::Index size = classes * (x.cols() + 1);
  Eigen::VectorXd theta = Eigen::VectorXd::Zero(size), grad, nextGrad;
  double value = f(theta, grad);
  History history;
  const int memory = 20;
  int iteration = 0;
  for (; iteration < maxIterations; ++iteration) {
    if (grad.lpNorm<Eigen::Infinity>() < 1e-7) break;  // the objective is O(rows)
    Eigen::VectorXd direction = -inverseHessianTimes(history, grad);
    if (direction.dot(grad) >= 0) {  // not a descent direction: restart from the gradient
      history.clear();
      direction = -grad;
    }
    // Backtracking line search (Armijo).
    double step = history.empty() ? std::min(1.0, 1.0 / grad.norm()) : 1.0;
    Eigen::VectorXd next;
    double nextValue = 0;
    for (int tries = 0; tries < 60; ++tries) {
      next = theta + step * direction;
      nextValue = f(next, nextGrad);
      if (nextValue <= value + 1e-4 * step * direction.dot(grad)) break;
      step *= 0.5;
    }
    const Eigen::VectorXd s = next - theta, y = nextGrad - grad;
    if (s.dot(y) > 1e-12) {
      history.emplace_back(s, y);
      if (int(history.size()) > memory) history.pop_front();
    }
    const double improvement = value - nextValue;
    theta = next;
    grad = nextGrad;
    value = nextValue;
    if (improvement >= 0 && improvement < 1e-14 * std::max(1.0, std::abs(value)) &&
        s.lpNorm<Eigen::Infinity>() < 1e-12)
      break;
  }
  LogisticRegression model;
  model.iterations = iteration;
  model.weights =
      Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(
          theta.data(), classes, x.cols());
  model.intercept = theta.tail(classes);
  return model;
}

}  // namespace strata
