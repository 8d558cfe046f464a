#include "app/open_dataset_action.h"

#include <QFileDialog>
#include <QInputDialog>

#include "core/data/fashion_mnist.h"

namespace strata {

OpenDatasetAction::OpenDatasetAction(QWidget* parent)
    : QAction(QObject::tr("Open &Dataset…"), parent), parentWidget_(parent) {
  setShortcut(QKeySequence::Open);
  setToolTip(tr("Open Fashion-MNIST, dSprites, an image file or folder, or a file of vectors"));
  connect(this, &QAction::triggered, this, &OpenDatasetAction::choose);
}

void OpenDatasetAction::choose() {
  const QStringList choices = {
      tr("Fashion-MNIST test split"),   tr("Fashion-MNIST train split"),
      tr("dSprites (generated)"),       tr("Images file (IDX, .npy, .npz)…"),
      tr("Folder of PNG/JPEG images…"), tr("Embedding or coordinates (.npy, .npz, shard folder)…")};
  bool ok = false;
  const QString choice = QInputDialog::getItem(parentWidget_, tr("Open Dataset"), tr("Dataset:"),
                                               choices, 0, false, &ok);
  if (!ok) return;
  if (choice == choices[0]) return Q_EMIT datasetChosen(QStringLiteral("fashion-mnist:test"));
  if (choice == choices[1]) return Q_EMIT datasetChosen(QStringLiteral("fashion-mnist:train"));
  if (choice == choices[2]) return Q_EMIT datasetChosen(QStringLiteral("dsprites"));
  if (choice == choices[4]) {
    const QString folder =
        QFileDialog::getExistingDirectory(parentWidget_, tr("Open a folder of images"));
    if (!folder.isEmpty()) Q_EMIT datasetChosen(folder);
    return;
  }
  const bool embedding = choice == choices[5];
  const QString path = QFileDialog::getOpenFileName(
      parentWidget_, embedding ? tr("Open vectors") : tr("Open images"), fashionMnistDirectory(),
      embedding ? tr("NumPy arrays or a shard folder's manifest (*.npy *.npz manifest.json)")
                : tr("Images (*idx3* *.idx *.gz *ubyte *.npy *.npz);;All files (*)"));
  if (!path.isEmpty()) Q_EMIT datasetChosen(embedding ? QStringLiteral("embedding:") + path : path);
}

}  // namespace strata
