#include "app/open_model_action.h"

#include <QFileDialog>
#include <QFileInfo>
#include <QSettings>

#include "core/base/resources.h"

namespace strata {

static constexpr int kMaxRecent = 8;
static const char* const kRecentKey = "models/recent";

OpenModelAction::OpenModelAction(QWidget* parent)
    : QAction(QObject::tr("Open &Model…"), parent), parentWidget_(parent) {
  setShortcut(QKeySequence(Qt::CTRL | Qt::Key_M));
  setToolTip(tr("Open a TorchScript model that follows the Strata model contract"));
  connect(this, &QAction::triggered, this, [this] {
    const QString path = QFileDialog::getOpenFileName(
        parentWidget_, tr("Open Model"), resourceDirectory() + "/models",
        tr("TorchScript models (*.pt *.pth);;All files (*)"));
    if (!path.isEmpty()) Q_EMIT modelChosen(path);
  });
}

RecentModelsMenu::RecentModelsMenu(QWidget* parent) : QMenu(tr("Recent &Models"), parent) {
  rebuild();
}

QStringList RecentModelsMenu::paths() const {
  return QSettings().value(kRecentKey).toStringList();
}

void RecentModelsMenu::remember(const QString& path) {
  QStringList list = paths();
  const QString absolute = QFileInfo(path).absoluteFilePath();
  list.removeAll(absolute);
  list.prepend(absolute);
  while (list.size() > kMaxRecent) list.removeLast();
  QSettings().setValue(kRecentKey, list);
  rebuild();
}

void RecentModelsMenu::rebuild() {
  clear();
  const QStringList list = paths();
  for (const QString& path : list) {
    QAction* action =
        addAction(QFileInfo(path).fileName(), this, [this, path] { Q_EMIT modelChosen(path); });
    action->setToolTip(path);
    action->setEnabled(QFileInfo(path).isFile());
  }
  setEnabled(!list.isEmpty());
}

}  // namespace strata
