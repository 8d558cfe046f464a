#pragma once
// File > Open Dataset: built-in Fashion-MNIST splits or an IDX images file.

#include <QAction>

namespace strata {

class OpenDatasetAction : public QAction {
  Q_OBJECT

 public:
  explicit OpenDatasetAction(QWidget* parent);

 Q_SIGNALS:
  void datasetChosen(const QString& spec);

 private:
  void choose();
  QWidget* parentWidget_;
};

}  // namespace strata
