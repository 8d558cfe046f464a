#pragma once
// The main window: a dataset map in the centre, the item under the pointer at the side.

#include <QMainWindow>

#include <vector>

#include "core/dataset.h"

class QAction;
class QLabel;
class QProgressBar;
class QToolButton;

namespace strata {

class ItemPanel;
class JobRunner;
class ScatterView;

class MainWindow : public QMainWindow {
  Q_OBJECT

public:
  explicit MainWindow(QWidget* parent = nullptr);
  ~MainWindow() override;

  // Opens a dataset (see dataset_source.h) and projects it with PCA on a worker.
  void openDatasetSpec(const QString& spec);
  ScatterView* scatterView() const { return scatter_; }
  ItemPanel* itemPanel() const { return itemPanel_; }
  DatasetPtr dataset() const { return dataset_; }

Q_SIGNALS:
  // Emitted on the GUI thread when a projection is shown.
  void projectionShown();

protected:
  void closeEvent(QCloseEvent* event) override;

private:
  struct Projection;
  void buildActions();
  void showProjection(const Projection& projection);
  void applyDimensions();
  void onPointHovered(int index);
  void onPointClicked(int index);

  DatasetPtr dataset_;
  QString datasetSpec_;
  std::vector<float> coords3_;  // [n, 3] PCA coordinates
  std::vector<double> varianceRatio_;
  bool pinned_ = false;

  ScatterView* scatter_ = nullptr;
  ItemPanel* itemPanel_ = nullptr;
  JobRunner* jobs_ = nullptr;
  QProgressBar* progress_ = nullptr;
  QToolButton* cancelButton_ = nullptr;
  QAction* threeDAction_ = nullptr;
};

}  // namespace strata
