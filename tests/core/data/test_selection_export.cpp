// The selection's CSV: a header, one line per item, labels quoted when a CSV reader needs it,
// and a file written whole or not at all.

#include <QTemporaryDir>
#include <QtTest>

#include "core/base/errors.h"
#include "core/data/array_dataset.h"
#include "core/data/selection_export.h"
#include "tests/support/test_support.h"

using namespace strata;

class TestSelectionExport : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void linesWithLabels() {
    ArrayDataset dataset(QStringLiteral("d"), {1, 2, 2}, std::vector<uint8_t>(3 * 4, 0));
    dataset.setLabels(
        {0, 1, 2}, {QStringLiteral("plain"), QStringLiteral("a, b"), QStringLiteral("say \"hi\"")});
    QCOMPARE(selectionCsv({2, 0, 1}, &dataset),
             QByteArray("index,label\n2,\"say \"\"hi\"\"\"\n0,plain\n1,\"a, b\"\n"));
  }

  void withoutDatasetOrLabels() {
    QCOMPARE(selectionCsv({}, nullptr), QByteArray("index,label\n"));
    QCOMPARE(selectionCsv({5}, nullptr), QByteArray("index,label\n5,\n"));
    ArrayDataset unlabelled(QStringLiteral("u"), {1, 1, 1}, std::vector<uint8_t>(2, 0));
    // An index the dataset does not have gets no label rather than a read out of bounds.
    QCOMPARE(selectionCsv({1, 7}, &unlabelled), QByteArray("index,label\n1,\n7,\n"));
  }

  void writesTheNamedFileOnly() {
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("s.csv"));
    writeSelectionCsv(path, {3, 4}, nullptr);
    QFile f(path);
    QVERIFY(f.open(QIODevice::ReadOnly));
    QCOMPARE(f.readAll(), QByteArray("index,label\n3,\n4,\n"));
    QCOMPARE(QDir(dir.path()).entryList(QDir::Files | QDir::Hidden).size(), 1);
    // A folder where the file should go: an Error naming the path, nothing written.
    QVERIFY(QDir(dir.path()).mkdir(QStringLiteral("taken")));
    QVERIFY_THROWS_EXCEPTION(
        Error, writeSelectionCsv(dir.filePath(QStringLiteral("taken")), {1}, nullptr));
  }
};

STRATA_TEST_GUILESS_MAIN(TestSelectionExport)
#include "test_selection_export.moc"
