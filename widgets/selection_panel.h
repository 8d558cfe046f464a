#pragma once
// The points selected on the map: how many, their thumbnails, and a button to export them.

#include <QWidget>

#include <vector>

#include "core/data/dataset.h"

class QLabel;
class QPushButton;

namespace strata {

class ImageGrid;
class Workspace;

class SelectionPanel : public QWidget {
  Q_OBJECT

 public:
  explicit SelectionPanel(QWidget* parent = nullptr);
  // Follows the workspace's dataset and selection; Clear and a click on an item go back to it.
  void attach(Workspace* workspace);
  void setDataset(DatasetPtr dataset);
  void setSelection(const std::vector<int>& indices);
  const std::vector<int>& selection() const { return indices_; }
  static constexpr int kMaxThumbnails = 120;

 Q_SIGNALS:
  void cleared();
  void itemClicked(int64_t index);
  void exportRequested();  // the window's Export Selection action writes the file

 private:
  DatasetPtr dataset_;
  std::vector<int> indices_;
  QLabel* summary_ = nullptr;
  ImageGrid* thumbnails_ = nullptr;
  QPushButton* export_ = nullptr;
  QPushButton* clear_ = nullptr;
};

}  // namespace strata
