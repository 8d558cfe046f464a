#pragma once
// Multinomial logistic regression with an L2 penalty on the weights (not the intercepts),
// minimising 1/2 |W|^2 + C * sum of log-losses, fitted to convergence by L-BFGS. The same
// objective as scikit-learn's LogisticRegression(multi_class="multinomial"), so both reach
// the same optimum.

#include <Eigen/Dense>

#include <vector>

namespace strata {

struct LogisticRegression {
  Eigen::MatrixXd weights;    // [classes, features]
  Eigen::VectorXd intercept;  // [classes]
  int iterations = 0;
  std::vector<int> predict(const Eigen::MatrixXd& x) const;
};

// labels in 0..classes-1, where classes = max label + 1.
LogisticRegression fitLogisticRegression(const Eigen::MatrixXd& x, const std::vector<int>& labels,
                                         double c, int maxIterations = 10000);

}  // namespace strata
