// PCA against answers computed independently: a construction with known axes and
// variances, an SVD of the centred data (a different algorithm from ours) and scikit-learn
// (tools/pca_reference.py); the three solvers against each other on shapes all can do.

#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QtTest>

#include <Eigen/Dense>

#include <sys/resource.h>

#include <cmath>
#include <random>

#include "core/analysis/map_input_checks.h"
#include "core/analysis/projection.h"
#include "core/data/array_dataset.h"
#include "core/data/npy.h"
#include "core/numeric/non_finite.h"
#include "core/numeric/pca.h"
#include "tests/support/python_reference.h"
#include "tests/support/test_support.h"

using namespace strata;
using RowMatrixF = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

Q_DECLARE_METATYPE(strata::PcaSolver)

namespace {

const QString kSource = QStringLiteral(STRATA_SOURCE_DIR);

// Rank-`rank` structure with standard deviations 10, 10/2, 10/3, ... along random directions,
// plus noise of 0.1 and an offset: a decaying spectrum like that of images and latents.
RowMatrixF lowRankData(int n, int d, int rank, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal;
  RowMatrixF basis(rank, d), x(n, d);
  for (int r = 0; r < rank; ++r)
    for (int j = 0; j < d; ++j) basis(r, j) = normal(rng);
  for (int i = 0; i < n; ++i) {
    Eigen::RowVectorXf row = Eigen::RowVectorXf::Zero(d);
    for (int r = 0; r < rank; ++r) row += normal(rng) * 10.0f / float(r + 1) * basis.row(r);
    for (int j = 0; j < d; ++j) x(i, j) = row[j] / std::sqrt(float(d)) + 0.1f * normal(rng) + 0.5f;
  }
  return x;
}

Eigen::VectorXd axisOf(const PcaModel& pca, int c) {
  Eigen::VectorXd axis(pca.inputDims);
  for (int j = 0; j < pca.inputDims; ++j)
    axis[j] = pca.axes[size_t(c) * size_t(pca.inputDims) + size_t(j)];
  return axis;
}

// |cos| of the angle between two fits' axes c, and their variances' relative difference.
double axisCosine(const PcaModel& a, const PcaModel& b, int c) {
  return std::abs(axisOf(a, c).dot(axisOf(b, c)));
}
double varianceDifference(const PcaModel& a, const PcaModel& b, int c) {
  const double va = a.explainedVariance[size_t(c)], vb = b.explainedVariance[size_t(c)];
  return std::abs(va - vb) / std::max(va, 1e-300);
}

// scikit-learn's PCA of the same data, through tools/pca_reference.py.
QJsonObject sklearnPca(const RowMatrixF& x, int components, const QTemporaryDir& dir) {
  const QString data = dir.filePath("x.npy"), out = dir.filePath("pca.json");
  const std::vector<float> values(x.data(), x.data() + x.size());
  const std::vector<uint8_t> bytes = serializeNpy(makeNpy(values, {x.rows(), x.cols()}));
  QFile f(data);
  if (!f.open(QIODevice::WriteOnly)) return {};
  f.write(reinterpret_cast<const char*>(bytes.data()), qsizetype(bytes.size()));
  f.close();
  return runPythonReference(
      {kSource + "/tools/pca_reference.py", data, QString::number(components), out}, out, 300000);
}

int64_t peakResidentKilobytes() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

}  // namespace

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

  void solverFollowsTheShape() {
    // Few items: Gram. Few dimensions: covariance. Both many: randomized.
    QCOMPARE(choosePcaSolver(10, 64 * 64 * 3), PcaSolver::Gram);
    QCOMPARE(choosePcaSolver(4, 128 * 128 * 3), PcaSolver::Gram);
    QCOMPARE(choosePcaSolver(1000000, 64), PcaSolver::Covariance);
    QCOMPARE(choosePcaSolver(70000, 220), PcaSolver::Covariance);
    QCOMPARE(choosePcaSolver(20000, 784), PcaSolver::Covariance);
    QCOMPARE(choosePcaSolver(20000, 4096), PcaSolver::Randomized);
    QCOMPARE(choosePcaSolver(10000, 27056), PcaSolver::Randomized);
    QCOMPARE(choosePcaSolver(5000, 1100), PcaSolver::Randomized);
  }

  // On shapes every solver can do, Gram and randomized agree with the covariance solver (the
  // one Strata always used) to 1e-5 in variance and 1e-6 in the cosine between axes.
  void solversAgree_data() {
    QTest::addColumn<int>("n");
    QTest::addColumn<int>("d");
    QTest::newRow("few items, many dimensions") << 60 << 500;
    QTest::newRow("many items, few dimensions") << 1000 << 40;
    QTest::newRow("both in hundreds") << 400 << 300;
  }
  void solversAgree() {
    QFETCH(int, n);
    QFETCH(int, d);
    const int k = 5;
    const RowMatrixF x = lowRankData(n, d, 12, unsigned(n + d));
    const PcaModel exact = fitPca(x.data(), n, d, k, {}, PcaSolver::Covariance);
    QCOMPARE(exact.solver, PcaSolver::Covariance);
    for (PcaSolver solver : {PcaSolver::Gram, PcaSolver::Randomized}) {
      const PcaModel other = fitPca(x.data(), n, d, k, {}, solver);
      QCOMPARE(other.solver, solver);
      for (int c = 0; c < k; ++c) {
        QVERIFY2(varianceDifference(exact, other, c) < 1e-5,
                 qPrintable(QStringLiteral("solver %1, component %2: %3 vs %4")
                                .arg(int(solver))
                                .arg(c)
                                .arg(exact.explainedVariance[size_t(c)])
                                .arg(other.explainedVariance[size_t(c)])));
        QVERIFY2(axisCosine(exact, other, c) > 1 - 1e-6,
                 qPrintable(QString::number(axisCosine(exact, other, c), 'g', 10)));
        QVERIFY(std::abs(exact.explainedVarianceRatio[size_t(c)] -
                         other.explainedVarianceRatio[size_t(c)]) < 1e-6);
      }
      QCOMPARE(other.mean, exact.mean);
    }
  }

  // scikit-learn's exact PCA (double precision) on one shape per solver, chosen automatically:
  // ten 64 x 64 RGB images (Gram), wide latents (randomized), a few dimensions (covariance).
  // Tolerances: variances 1e-5 relative, axes 1e-5 in cosine, ratios and means 1e-5.
  void agreesWithScikitLearn_data() {
    QTest::addColumn<int>("n");
    QTest::addColumn<int>("d");
    QTest::addColumn<PcaSolver>("solver");
    QTest::newRow("ten 64x64 RGB images") << 10 << 64 * 64 * 3 << PcaSolver::Gram;
    QTest::newRow("wide latents") << 1100 << 1030 << PcaSolver::Randomized;
    QTest::newRow("few dimensions") << 3000 << 40 << PcaSolver::Covariance;
  }
  void agreesWithScikitLearn() {
    QFETCH(int, n);
    QFETCH(int, d);
    QFETCH(PcaSolver, solver);
    const int k = 3;
    const RowMatrixF x = lowRankData(n, d, 8, 5);
    const PcaModel pca = fitPca(x.data(), n, d, k);
    QCOMPARE(pca.solver, solver);
    QTemporaryDir dir;
    const QJsonObject ref = sklearnPca(x, k, dir);
    QVERIFY2(!ref.isEmpty(), "the scikit-learn reference failed");
    const QJsonArray components = ref["components"].toArray();
    for (int c = 0; c < k; ++c) {
      const double variance = ref["explained_variance"].toArray()[c].toDouble();
      QVERIFY2(std::abs(pca.explainedVariance[size_t(c)] - variance) < 1e-5 * variance,
               qPrintable(
                   QStringLiteral("%1 vs %2").arg(pca.explainedVariance[size_t(c)]).arg(variance)));
      QVERIFY(std::abs(pca.explainedVarianceRatio[size_t(c)] -
                       ref["explained_variance_ratio"].toArray()[c].toDouble()) < 1e-5);
      const QJsonArray axis = components[c].toArray();
      double dot = 0;
      for (int j = 0; j < d; ++j)
        dot += pca.axes[size_t(c) * size_t(d) + size_t(j)] * axis[j].toDouble();
      QVERIFY2(std::abs(dot) > 1 - 1e-5, qPrintable(QString::number(dot, 'g', 10)));
    }
    const QJsonArray mean = ref["mean"].toArray();
    for (int j = 0; j < d; ++j) QVERIFY(std::abs(pca.mean[size_t(j)] - mean[j].toDouble()) < 1e-5);
  }

  // Ten 64 x 64 and four 128 x 128 RGB images: the covariance of their pixels took 3.7 and
  // 19 GB and did not finish; now a few megabytes and milliseconds.
  void largeImagesTakeMemoryOfTheirSize() {
    for (auto [n, d] : {std::pair{10, 64 * 64 * 3}, std::pair{4, 128 * 128 * 3}}) {
      const RowMatrixF x = lowRankData(n, d, 3, 9);
      const int64_t before = peakResidentKilobytes();
      QElapsedTimer timer;
      timer.start();
      const PcaModel pca = fitPca(x.data(), n, d, 3);
      QVERIFY2(timer.elapsed() < 5000, qPrintable(QString::number(timer.elapsed())));
      const int64_t grown = peakResidentKilobytes() - before;
      QVERIFY2(grown < 64 * 1024, qPrintable(QStringLiteral("%1 kB more").arg(grown)));
      QVERIFY(pca.explainedVariance[0] > 0);
    }
  }

  void componentsBeyondTheRankHaveNoVariance() {
    const int n = 3, d = 20, k = 5;
    const RowMatrixF x = lowRankData(n, d, 2, 4);
    const PcaModel pca = fitPca(x.data(), n, d, k);
    QCOMPARE(pca.solver, PcaSolver::Gram);
    QVERIFY(pca.explainedVariance[0] > 0 && pca.explainedVariance[1] > 0);
    for (int c = 2; c < k; ++c) QCOMPARE(pca.explainedVariance[size_t(c)], 0.0);
    for (int a = 0; a < k; ++a)
      for (int b = 0; b < k; ++b)
        QVERIFY(std::abs(axisOf(pca, a).dot(axisOf(pca, b)) - (a == b ? 1.0 : 0.0)) < 1e-6);
  }

  void randomizedIsReproducible() {
    const RowMatrixF x = lowRankData(1200, 1100, 6, 8);
    const PcaModel a = fitPca(x.data(), 1200, 1100, 3);
    const PcaModel b = fitPca(x.data(), 1200, 1100, 3);
    QCOMPARE(a.solver, PcaSolver::Randomized);
    QCOMPARE(a.axes, b.axes);
    QCOMPARE(a.explainedVariance, b.explainedVariance);
  }

  // A NaN or infinity is named (row and column) before any solver runs, whichever it is.
  void nonFiniteInputIsNamed() {
    for (auto [n, d] : {std::pair{40, 8}, std::pair{20, 300}, std::pair{1100, 1030}}) {
      RowMatrixF x = lowRankData(n, d, 3, 2);
      x(17, 3) = NAN;
      try {
        fitPca(x.data(), n, d, 2);
        QFAIL("no error for NaN");
      } catch (const NonFiniteInput& e) {
        QCOMPARE(e.entry().row, int64_t(17));
        QCOMPARE(e.entry().column, int64_t(3));
        QVERIFY2(QString(e.what()).contains("NaN in row 17, column 3"), e.what());
      }
      x(17, 3) = 0;
      x(5, 0) = -INFINITY;
      QVERIFY_THROWS_EXCEPTION(NonFiniteInput, fitPca(x.data(), n, d, 2));
    }
  }

  // Latents and pixels say which item, layer and unit hold the value.
  void mapInputsNameTheItem() {
    ModelInfo info;
    info.layers = {{"z_top", {4}}, {"z1", {2, 2, 2}}};
    std::vector<float> latents(20 * 12, 0.5f);
    requireFiniteLatents(info, -1, latents.data(), 20, 12);
    latents[17 * 12 + 4 + 3] = NAN;
    try {
      requireFiniteLatents(info, -1, latents.data(), 20, 12);
      QFAIL("no error for NaN latents");
    } catch (const Error& e) {
      QVERIFY2(
          QString(e.what()).startsWith("the latents of layer z1 contain NaN for item 17 (unit z1"),
          e.what());
    }

    const ItemShape shape{1, 4, 4};
    std::vector<float> pixels(size_t(30) * 16, 0.25f);
    pixels[size_t(17) * 16 + 6] = INFINITY;
    ArrayDataset dataset("nan", shape, std::move(pixels));
    QTemporaryDir cacheDir;
    const EncodingCache cache(cacheDir.path());
    try {
      computeProjection(dataset, nullptr, cache, ProjectionRequest{});
      QFAIL("no error for an infinite pixel");
    } catch (const Error& e) {
      QCOMPARE(
          QString(e.what()),
          QStringLiteral("the pixels of item 17 contain infinity (channel 0, row 1, column 2)"));
    }
  }

  void rejectsBadArguments() {
    RowMatrixF x = RowMatrixF::Random(10, 3);
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, fitPca(x.data(), 10, 3, 4));
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, fitPca(x.data(), 1, 3, 2));
  }
};

STRATA_TEST_GUILESS_MAIN(TestPca)
#include "test_pca.moc"
