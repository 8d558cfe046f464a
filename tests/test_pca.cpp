// PCA against answers computed independently: a construction with known axes and
// variances, and an SVD of the centred data (a different algorithm from ours).

#include <QtTest>

#include <Eigen/Dense>

#include <random>

#include "core/pca.h"

using namespace strata;
using RowMatrixF = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

class TestPca : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void knownAxesAndVariances() {
    // Gaussian data with standard deviations 5, 2, 0.5 along a rotated basis.
    const int n = 20000, d = 3;
    std::mt19937 rng(7);
    std::normal_distribution<double> normal;
    Eigen::Matrix3d basis =
        Eigen::AngleAxisd(0.7, Eigen::Vector3d(1, 2, 3).normalized()).toRotationMatrix();
    const Eigen::Vector3d sd(5.0, 2.0, 0.5), offset(10, -4, 2);
    RowMatrixF x(n, d);
    for (int i = 0; i < n; ++i) {
      Eigen::Vector3d z(normal(rng) * sd[0], normal(rng) * sd[1], normal(rng) * sd[2]);
      x.row(i) = (basis * z + offset).cast<float>().transpose();
    }
    const PcaModel pca = fitPca(x.data(), n, d, 3);
    for (int c = 0; c < 3; ++c) {
      // Sampling error of a variance estimate at n = 20000 is about 1%.
      QVERIFY2(std::abs(pca.explainedVariance[size_t(c)] / (sd[c] * sd[c]) - 1.0) < 0.03,
               qPrintable(QString::number(pca.explainedVariance[size_t(c)])));
      const size_t row = size_t(c) * 3;
      Eigen::Vector3d axis(pca.axes[row], pca.axes[row + 1], pca.axes[row + 2]);
      QVERIFY(std::abs(std::abs(axis.dot(basis.col(c))) - 1.0) < 1e-3);
    }
    for (int j = 0; j < d; ++j) QVERIFY(std::abs(pca.mean[size_t(j)] - offset[j]) < 0.1);
    double ratioSum = 0;
    for (double r : pca.explainedVarianceRatio) ratioSum += r;
    QVERIFY(std::abs(ratioSum - 1.0) < 1e-6);
  }

  void agreesWithSvdOfCentredData() {
    const int n = 3000, d = 40, k = 5;
    std::mt19937 rng(3);
    std::normal_distribution<float> normal;
    RowMatrixF x(n, d);
    for (int i = 0; i < n; ++i)
      for (int j = 0; j < d; ++j) x(i, j) = normal(rng) * float(1 + j % 7) + float(j);
    const PcaModel pca = fitPca(x.data(), n, d, k);

    Eigen::MatrixXd centred = x.cast<double>().rowwise() - x.cast<double>().colwise().mean();
    Eigen::JacobiSVD<Eigen::MatrixXd> svd(centred, Eigen::ComputeThinV);
    const std::vector<float> coords = pca.transform(x.data(), n);
    for (int c = 0; c < k; ++c) {
      const double variance = svd.singularValues()[c] * svd.singularValues()[c] / (n - 1);
      QVERIFY(std::abs(pca.explainedVariance[size_t(c)] - variance) <= 1e-4 * variance);
      Eigen::VectorXd axis(d);
      for (int j = 0; j < d; ++j) axis[j] = pca.axes[size_t(c) * size_t(d) + size_t(j)];
      const double cosine = std::abs(axis.dot(svd.matrixV().col(c)));
      QVERIFY2(cosine > 1 - 1e-4, qPrintable(QString::number(cosine)));
      // Projected coordinates have the component's variance.
      double sumSq = 0;
      for (int i = 0; i < n; ++i)
        sumSq += std::pow(double(coords[size_t(i) * size_t(k) + size_t(c)]), 2);
      QVERIFY(std::abs(sumSq / (n - 1) - variance) <= 1e-3 * variance);
    }
  }

  void inverseTransformRoundTrips() {
    const int n = 50, d = 4;
    RowMatrixF x = RowMatrixF::Random(n, d);
    const PcaModel pca = fitPca(x.data(), n, d, d);
    const std::vector<float> y = pca.transform(x.data(), n);
    const std::vector<float> back = pca.inverseTransform(y.data(), n);
    for (int i = 0; i < n * d; ++i) QVERIFY(std::abs(back[size_t(i)] - x.data()[i]) < 1e-5f);
  }

  void cancels() {
    RowMatrixF x = RowMatrixF::Random(10000, 16);
    JobControl job;
    job.cancel.cancel();
    QVERIFY_THROWS_EXCEPTION(Cancelled, fitPca(x.data(), 10000, 16, 2, job));
  }

  void rejectsBadArguments() {
    RowMatrixF x = RowMatrixF::Random(10, 3);
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, fitPca(x.data(), 10, 3, 4));
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, fitPca(x.data(), 1, 3, 2));
  }
};

QTEST_GUILESS_MAIN(TestPca)
#include "test_pca.moc"
