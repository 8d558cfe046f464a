#include "app/open_dataset_action.h"

#include <QFileDialog>
#include <QInputDialog>

#include "core/fashion_mnist.h"

namespace strata {

OpenDatasetAction::OpenDatasetAction(QWidget* parent)
    : QAction(QObject::tr("Open &Dataset…"), parent), parentWidget_(parent) {
  setShortcut(QKeySequence::Open);
  setToolTip(tr("Open Fashion-MNIST or an IDX images file"));
  connect(this, &QAction::triggered, this, &OpenDatasetAction::choose);
}

void OpenDatasetAction::choose() {
  const QStringList choices = {tr("Fashion-MNIST test split"), tr("Fashion-MNIST train split"),
                               tr("IDX images file…")};
  bool ok = false;
  const QString choice = QInputDialog::getItem(parentWidget_, tr("Open Dataset"),
                                               tr("Dataset:"), choices, 0, false, &ok);
  if (!ok) return;
  if (choice == choices[0]) return Q_EMIT datasetChosen(QStringLiteral("fashion-mnist:test"));
  if (choice == choices[1]) return Q_EMIT datasetChosen(QStringLiteral("fashion-mnist:train"));
  const QString path = QFileDialog::getOpenFileName(
      parentWidget_, tr("Open IDX images"), fashionMnistDirectory(),
      tr("IDX files (*idx3* *.idx *.gz *ubyte);;All files (*)"));
  if (!path.isEmpty()) Q_EMIT datasetChosen(path);
}

}  // namespace strata
