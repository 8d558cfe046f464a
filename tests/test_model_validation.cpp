// Model files against the contract: the bundled models pass; each kind of broken model is
// refused with a message that names the method and the problem; nothing crashes.

#include <QDirIterator>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include "core/errors.h"
#include "core/model.h"
#include "core/resources.h"

using namespace strata;

namespace {
const QString kBroken = QStringLiteral(STRATA_SOURCE_DIR "/tests/data/models/broken/");
}

class TestModelValidation : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void brokenModels_data() {
    QTest::addColumn<QString>("file");
    QTest::addColumn<QString>("expected");
    QTest::newRow("missing method") << "missing_method.pt"
                                    << "method decode: missing";
    QTest::newRow("wrong shape") << "wrong_shape.pt"
                                 << "decode: shape [3, 1, 7, 6], expected [3, 1, 8, 8]";
    QTest::newRow("NaN output") << "nan_output.pt"
                                << "decode: contains NaN or Inf";
    QTest::newRow("bad metadata") << "bad_meta.pt"
                                  << "strata_meta: not valid JSON";
    QTest::newRow("wrong contract") << "wrong_contract.pt"
                                    << "strata_meta.contract: expected 1, got 99";
    QTest::newRow("out of range") << "out_of_range.pt"
                                  << "outside the declared range [0, 1]";
  }
  void brokenModels() {
    QFETCH(QString, file);
    QFETCH(QString, expected);
    const ValidationReport report = Model::validate(kBroken + file);
    QVERIFY(!report.ok());
    QVERIFY2(report.text().contains(expected), qPrintable(report.text()));
    QVERIFY(report.text().contains(file));
    try {
      Model::load(kBroken + file);
      QFAIL("a broken model loaded");
    } catch (const ModelError& e) {
      QVERIFY(QString(e.what()).contains(expected));
    }
  }

  void decoderOnlyLoadsWithEncoderOff() {
    auto model = Model::load(kBroken + "decoder_only.pt");
    QVERIFY(!model->info().hasEncoder);
    QVERIFY(model->info().encoderUnavailableReason.contains("decoder-only"));
    const Latents eps = model->noise(2, 0, 7);
    const Latents z =
        model->priorSample({}, eps, std::vector<double>(model->info().layers.size(), 1.0));
    QCOMPARE(model->decode(z).size(), size_t(2 * model->info().input.pixelCount()));
    std::vector<float> x(size_t(model->info().input.pixelCount()), 0.5f);
    QVERIFY_THROWS_EXCEPTION(ModelError, model->posterior(x.data(), 1, false));
  }

  void validTinyModel() {
    const ValidationReport report = Model::validate(kBroken + "valid_tiny.pt");
    QVERIFY2(report.ok(), qPrintable(report.text()));
    QVERIFY(report.info.hasEncoder);
  }

  void notAModel() {
    QTemporaryDir dir;
    const QString junk = dir.filePath("junk.pt");
    QFile f(junk);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(QByteArray(5000, 'x'));
    f.close();
    const ValidationReport report = Model::validate(junk);
    QVERIFY(report.text().contains("not a TorchScript model"));
    const ValidationReport truncated = [&] {
      QFile src(kBroken + "valid_tiny.pt");
      src.open(QIODevice::ReadOnly);
      const QByteArray half = src.readAll().left(int(src.size() / 2));
      QFile dst(dir.filePath("half.pt"));
      dst.open(QIODevice::WriteOnly);
      dst.write(half);
      dst.close();
      return Model::validate(dir.filePath("half.pt"));
    }();
    QVERIFY(!truncated.ok());
    QVERIFY(Model::validate(dir.filePath("missing.pt")).text().contains("no such file"));
  }

  void bundledModelsAreValid() {
    QDirIterator it(resourceDirectory() + "/models", {"*.pt"});
    int count = 0;
    while (it.hasNext()) {
      const QString path = it.next();
      const ValidationReport report = Model::validate(path);
      QVERIFY2(report.ok(), qPrintable(report.text()));
      QVERIFY(report.info.hasEncoder);
      QVERIFY2(!modelCardPath(path).isEmpty(), qPrintable(path + " has no model card"));
      ++count;
    }
    if (count == 0) QSKIP("no bundled models");
  }

  void dspritesCommand() {
    QTemporaryDir dir;
    QProcess strata;
    strata.start(STRATA_EXECUTABLE,
                 {"write-dsprites", dir.filePath("d.npz"), "--count", "50", "--seed", "3"});
    QVERIFY(strata.waitForFinished(60000));
    QCOMPARE(strata.exitCode(), 0);
    QVERIFY(QFileInfo(dir.filePath("d.npz")).size() > 50 * qint64(4096));
    strata.start(STRATA_EXECUTABLE, {"write-dsprites", dir.filePath("e.npz"), "--count", "0"});
    QVERIFY(strata.waitForFinished(60000));
    QCOMPARE(strata.exitCode(), 2);
  }

  void validateCommand() {
    QProcess strata;
    strata.start(STRATA_EXECUTABLE, {"validate", kBroken + "valid_tiny.pt"});
    QVERIFY(strata.waitForFinished(60000));
    QCOMPARE(strata.exitCode(), 0);
    QVERIFY(strata.readAllStandardOutput().contains("valid model"));
    strata.start(STRATA_EXECUTABLE,
                 {"validate", kBroken + "nan_output.pt", kBroken + "bad_meta.pt"});
    QVERIFY(strata.waitForFinished(60000));
    QCOMPARE(strata.exitCode(), 1);
    const QByteArray err = strata.readAllStandardError();
    QVERIFY(err.contains("decode: contains NaN or Inf"));
    QVERIFY(err.contains("strata_meta: not valid JSON"));
    strata.start(STRATA_EXECUTABLE, {"validate"});
    QVERIFY(strata.waitForFinished(60000));
    QCOMPARE(strata.exitCode(), 2);
  }
};

QTEST_GUILESS_MAIN(TestModelValidation)
#include "test_model_validation.moc"
