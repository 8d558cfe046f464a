#pragma once
// File > Open Model, and the File > Recent Models menu it feeds.

#include <QAction>
#include <QMenu>

namespace strata {

class OpenModelAction : public QAction {
  Q_OBJECT

 public:
  explicit OpenModelAction(QWidget* parent);

 Q_SIGNALS:
  void modelChosen(const QString& path);

 private:
  QWidget* parentWidget_;
};

// Remembers model files in QSettings (newest first) and offers them again.
class RecentModelsMenu : public QMenu {
  Q_OBJECT

 public:
  explicit RecentModelsMenu(QWidget* parent);
  void remember(const QString& path);
  QStringList paths() const;

 Q_SIGNALS:
  void modelChosen(const QString& path);

 private:
  void rebuild();
};

}  // namespace strata
