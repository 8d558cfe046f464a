// The selection panel's summary: how many items, and how many of each class in label order,
// also for unlabelled items and labels beyond the class list, and for a selection of millions.

#include <QLabel>
#include <QtTest>

#include "core/data/array_dataset.h"
#include "tests/support/test_support.h"
#include "widgets/selection_panel.h"

using namespace strata;

namespace {

QString summaryOf(const SelectionPanel& panel) {
  for (const QLabel* label : panel.findChildren<QLabel*>())
    if (label->text().contains(QLatin1String("selected"))) return label->text();
  return {};
}

}  // namespace

class TestSelectionPanel : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void countsEachClassInLabelOrder() {
    auto data = std::make_shared<ArrayDataset>(QStringLiteral("tiny"), ItemShape{1, 2, 2},
                                               std::vector<float>(6 * 4, 0.5f));
    data->setLabels({2, 0, -1, 70000, 0, 1},
                    {QStringLiteral("zero"), QStringLiteral("one"), QStringLiteral("two")});
    SelectionPanel panel;
    panel.setDataset(data);
    panel.setSelection({0, 1, 2, 3, 4});
    QCOMPARE(summaryOf(panel), QStringLiteral("5 item(s) selected: 1 -1, 2 zero, 1 two, 1 70000"));
  }

  void aSelectionOfMillionsIsCounted() {
    const int n = 3000000;
    auto data = std::make_shared<ArrayDataset>(QStringLiteral("wide"), ItemShape{1, 1, 1},
                                               std::vector<float>(size_t(n), 0.5f));
    std::vector<int> labels(static_cast<size_t>(n)), all(static_cast<size_t>(n));
    for (int i = 0; i < n; ++i) labels[size_t(i)] = i % 3, all[size_t(i)] = i;
    data->setLabels(labels, {QStringLiteral("a"), QStringLiteral("b"), QStringLiteral("c")});
    SelectionPanel panel;
    panel.setDataset(data);
    panel.setSelection(all);
    QCOMPARE(summaryOf(panel),
             QStringLiteral("3000000 item(s) selected: 1000000 a, 1000000 b, 1000000 c "
                            "(first 120 shown)"));
  }
};

STRATA_TEST_MAIN(TestSelectionPanel)
#include "test_selection_panel.moc"
