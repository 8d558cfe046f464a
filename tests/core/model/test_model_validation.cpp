// Model files against the contract: the bundled models pass; each kind of broken model is
// refused with a message that names the method and the problem; nothing crashes.

#include <QDirIterator>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include "core/base/errors.h"
#include "core/base/resources.h"
#include "core/data/array_dataset.h"
#include "core/model/encoding.h"
#include "core/model/model.h"
#include "core/model/model_meta.h"
#include "core/model/model_ops.h"
#include "core/model/model_vetting.h"
#include "tests/support/test_support.h"

using namespace strata;

namespace {
const QString kBroken = QStringLiteral(STRATA_SOURCE_DIR "/tests/data/models/broken/");
const QString kHostile = QStringLiteral(STRATA_SOURCE_DIR "/tests/data/models/hostile/");

QString metaWith(const QString& input, const QString& layers) {
  return QStringLiteral(R"({"contract": 1, "name": "m", "input": %1, "layers": %2})")
      .arg(input, layers);
}
const QString kInput = QStringLiteral(
    R"({"channels": 1, "height": 8, "width": 8, "range": [0, 1], "likelihood": "bernoulli"})");

// The first line of `text` that mentions `needle`, for failure messages.
QString violationsOf(const QString& json) {
  ModelInfo info;
  QStringList violations;
  parseModelMeta(json, info, violations);
  return violations.join('\n');
}
}  // namespace

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
                                    << "strata_meta.contract: expected 1 or 2, got 99";
    QTest::newRow("out of range") << "out_of_range.pt"
                                  << "outside the declared range [0, 1]";
    // Files that need a newer runtime than LibTorch 1.13 (tools/make_newer_runtime_files.py).
    QTest::newRow("newer TorchScript format")
        << "newer_format.pt"
        << "written in TorchScript format version 99 by a newer PyTorch; this Strata's LibTorch "
           "1.13 reads up to version 10";
    QTest::newRow("torch.export program")
        << "torch_export.pt2"
        << "a torch.export program, which this Strata's LibTorch 1.13 cannot run";
    QTest::newRow("torch.export program of PyTorch 2.1")
        << "torch_export_2_1.pt2"
        << "a torch.export program, which this Strata's LibTorch 1.13 cannot run";
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

  void encoderFeaturesNeedAnEncoderAndTheItemShape() {
    ModelInfo info;
    info.input = {1, 8, 8};
    info.hasEncoder = true;
    const ArrayDataset fits("grey", {1, 8, 8}, std::vector<float>(size_t(2 * 64), 0.25f));
    const ArrayDataset wider("wide", {1, 8, 9}, std::vector<float>(size_t(2 * 72), 0.25f));
    QVERIFY(canEncode(info, fits));
    QVERIFY(!whyCannotEncode(info, fits));
    QVERIFY(!canEncode(info, wider));
    QCOMPARE(whyCannotEncode(info, wider).value_or(QString()),
             QStringLiteral("wide has items of 1 x 8 x 9; the model expects 1 x 8 x 8."));
    info.hasEncoder = false;
    info.encoderUnavailableReason = QStringLiteral("decoder-only");
    QVERIFY(!canEncode(info, fits));
    QCOMPARE(whyCannotEncode(info, fits).value_or(QString()), QStringLiteral("decoder-only"));
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

  void archiveThatCrashesLibTorchIsRefusedNotFatal() {
    // The file segfaults inside torch::jit::load's first use, in Python too: a child process
    // opens it first, so this process lives on and reports it.
    QTemporaryDir cache;
    qputenv("STRATA_CACHE_DIR", cache.path().toUtf8());
    setModelVettingExecutable(STRATA_EXECUTABLE);
    const ValidationReport report = Model::validate(kHostile + "empty_storages.pt");
    QVERIFY(!report.ok());
    QVERIFY2(report.text().contains("LibTorch crashed while opening the file ("),
             qPrintable(report.text()));
    QVERIFY_THROWS_EXCEPTION(ModelError, Model::load(kHostile + "empty_storages.pt"));

    // A file that passed is remembered by its content, so it is vetted once.
    QVERIFY(Model::validate(kBroken + "valid_tiny.pt").ok());
    QCOMPARE(QDir(cache.path() + "/vetted-models").entryList(QDir::Files).size(), 1);
    QVERIFY(Model::validate(kBroken + "valid_tiny.pt").ok());
    QCOMPARE(QDir(cache.path() + "/vetted-models").entryList(QDir::Files).size(), 1);
    setModelVettingExecutable({});
    qunsetenv("STRATA_CACHE_DIR");

    // The command line survives it too.
    QProcess strata;
    strata.start(STRATA_EXECUTABLE, {"validate", kHostile + "empty_storages.pt"});
    QVERIFY(strata.waitForFinished(120000));
    QCOMPARE(strata.exitStatus(), QProcess::NormalExit);
    QCOMPARE(strata.exitCode(), 1);
    QVERIFY(strata.readAllStandardError().contains("LibTorch crashed"));
  }

  void everyModelResultIsCheckedWhereItIsProduced() {
    // Valid for the probe's batch of 3, lying for larger batches.
    auto model = Model::load(kHostile + "runtime_liar.pt");
    const int64_t batch = 8;
    std::vector<float> x(size_t(batch * model->info().input.pixelCount()), 0.25f);
    auto expectError = [](auto&& call, const QString& expected) {
      try {
        call();
        return QStringLiteral("no error, expected: ") + expected;
      } catch (const ModelOutputError& e) {
        return QString(e.what()).contains(expected)
                   ? QString()
                   : QStringLiteral("got '%1', expected '%2'").arg(e.what(), expected);
      }
    };
    QString problem = expectError([&] { model->posterior(x.data(), batch, false); },
                                  "[0]: returned NaN or Inf (item 4)");
    QVERIFY2(problem.isEmpty(), qPrintable(problem));
    const Latents eps = model->noise(batch, 0, 1);
    problem = expectError(
        [&] {
          model->priorSample({}, eps, {1.0, 1.0});
        },
        "prior_sample: returned 1 layers, expected 2");
    QVERIFY2(problem.isEmpty(), qPrintable(problem));
    const Latents small = model->priorSample({}, model->noise(3, 0, 1), {1.0, 1.0});
    Latents z = small;
    z.batch = batch;
    for (auto& layer : z.layers) {
      const std::vector<float> one = layer;
      while (layer.size() < one.size() / 3 * size_t(batch))
        layer.insert(layer.end(), one.begin(), one.begin() + int64_t(one.size() / 3));
    }
    problem = expectError([&] { model->decode(z); },
                          "decode: returned shape [7, 1, 8, 8], expected [8, 1, 8, 8]");
    QVERIFY2(problem.isEmpty(), qPrintable(problem));
    problem = expectError([&] { model->logPx(x.data(), batch, z); },
                          "log_px: returned Double values, expected float32");
    QVERIFY2(problem.isEmpty(), qPrintable(problem));

    // Encoding a dataset names the dataset's items, not the batch's.
    const ArrayDataset data("grey", {1, 8, 8}, std::vector<float>(size_t(10 * 64), 0.25f));
    try {
      encodeDataset(*model, data, EncodingChoice{}, {}, 5);
      QFAIL("a NaN posterior was encoded");
    } catch (const ModelOutputError& e) {
      QCOMPARE(e.items(), std::vector<int64_t>{4});
      QCOMPARE(e.offsetBy(5).items(), std::vector<int64_t>{9});
    }
  }

  void declaredShapesBeyondTheLimitsAreRefused() {
    QString v = violationsOf(metaWith(kInput, R"([{"name": "z", "shape": [10000000]}])"));
    QVERIFY2(v.contains("strata_meta.layers[0].shape"), qPrintable(v));
    v = violationsOf(metaWith(kInput, R"([{"name": "z", "shape": [2000000000, 2, 2]}])"));
    QVERIFY2(v.contains("strata_meta.layers[0].shape"), qPrintable(v));
    v = violationsOf(metaWith(kInput, R"([{"name": "z", "shape": [2048, 2048, 2]}])"));
    QVERIFY2(v.contains("more than 4194304 units in one layer"), qPrintable(v));
    v = violationsOf(metaWith(kInput, R"([{"name": "z", "shape": [3.5]}])"));
    QVERIFY2(v.contains("whole numbers"), qPrintable(v));
    QString many = "[";
    for (int i = 0; i < 5; ++i)
      many += QStringLiteral(R"(%1{"name": "z%2", "shape": [4194304]})").arg(i ? "," : "").arg(i);
    v = violationsOf(metaWith(kInput, many + "]"));
    QVERIFY2(v.contains("latent units in all, more than"), qPrintable(v));
    v = violationsOf(metaWith(
        R"({"channels": 3, "height": 1e300, "width": 8, "range": [0, 1], "likelihood": "g"})",
        R"([{"name": "z", "shape": [4]}])"));
    QVERIFY2(v.contains("strata_meta.input"), qPrintable(v));
    v = violationsOf(metaWith(
        R"({"channels": 1, "height": 8, "width": 8, "range": [0, 1e309], "likelihood": "g"})",
        R"([{"name": "z", "shape": [4]}])"));
    QVERIFY2(!v.isEmpty(), "an infinite range was accepted");
    // 60 layers of a deep model are fine.
    QString deep = "[";
    for (int i = 0; i < 60; ++i)
      deep += QStringLiteral(R"(%1{"name": "z%2", "shape": [16, 8, 8]})").arg(i ? "," : "").arg(i);
    QCOMPARE(violationsOf(metaWith(kInput, deep + "]")), QString());
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

  // Contract 2's optional parts: read when the file says version 2, each checked, and
  // ignored in a version 1 file (whose unknown keys always were).
  void contractTwoParts() {
    const QString v2 = QStringLiteral(
        R"({"contract": 2, "name": "m", "output": %3,
            "input": {"channels": 2, "height": 8, "width": 8, "range": [0, 1],
                      "likelihood": "bernoulli", "normalize": %1},
            "layers": [{"name": "a", "shape": [2], "group": "top", "display_name": %2}]})");
    ModelInfo info;
    QStringList violations;
    QVERIFY(parseModelMeta(
        v2.arg(R"({"mean": [0.5, 0.25], "std": [0.5, 2]})", R"("A")", R"({"decode": "logits"})"),
        info, violations));
    QVERIFY2(violations.isEmpty(), qPrintable(violations.join('\n')));
    QCOMPARE(info.normalizeStd, (std::vector<double>{0.5, 2.0}));
    QCOMPARE(info.decodeOutput, DecodeOutput::Logits);
    QCOMPARE(info.layers[0].group, QStringLiteral("top"));
    QCOMPARE(info.layers[0].shownName(), QStringLiteral("A"));

    const QString bad = violationsOf(
        v2.arg(R"({"mean": [0.5], "std": [0.5, 0]})", "7", R"({"decode": "probabilities"})"));
    QVERIFY2(
        bad.contains("strata_meta.input.normalize: expected") &&
            bad.contains("with 2 finite numbers each") &&
            bad.contains(
                R"(strata_meta.output.decode: expected "mean" or "logits", got "probabilities")") &&
            bad.contains("strata_meta.layers[0].display_name: expected a non-empty name, got 7"),
        qPrintable(bad));

    ModelInfo v1;
    violations.clear();
    QString asV1 = v2.arg(R"({"mean": [0.5], "std": [0]})", "7", R"("nonsense")");
    asV1.replace(QStringLiteral(R"("contract": 2)"), QStringLiteral(R"("contract": 1)"));
    QVERIFY(parseModelMeta(asV1, v1, violations));
    QVERIFY2(violations.isEmpty(), qPrintable(violations.join('\n')));
    QVERIFY(v1.normalizeMean.empty());
    QCOMPARE(v1.decodeOutput, DecodeOutput::Mean);
    QVERIFY(v1.layers[0].group.isEmpty());

    QVERIFY(violationsOf(metaWith(kInput, R"([{"name": "a", "shape": [2]}])")
                             .replace(QStringLiteral(R"("contract": 1)"),
                                      QStringLiteral(R"("contract": 3)")))
                .contains("expected 1 or 2, got 3 (written for a newer Strata)"));
  }
};

STRATA_TEST_GUILESS_MAIN(TestModelValidation)
#include "test_model_validation.moc"
