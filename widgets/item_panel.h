#pragma once
// Side panel: the image, index and label of one dataset item.

#include <QWidget>

#include "core/data/dataset.h"

class QLabel;
class QPushButton;

namespace strata {

class InferenceWorker;
class PixelImageLabel;
class Workspace;

class ItemPanel : public QWidget {
  Q_OBJECT

 public:
  explicit ItemPanel(QWidget* parent = nullptr);
  // Follows the workspace's dataset, current item, path and decoded spot, and asks the
  // inference worker for the current item's reconstruction.
  void attach(Workspace* workspace, InferenceWorker* inference);
  void setDataset(DatasetPtr dataset);
  // Shows item `index`; `pinned` marks a clicked (not merely hovered) item.
  void showItem(int64_t index, bool pinned);
  int64_t currentIndex() const { return index_; }
  QString labelText() const;
  // The model's reconstruction of the shown item (null image: none).
  void setReconstruction(const QImage& image, const QString& caption);
  // Decoded points along a path (empty: hide).
  void setPathImages(const QVector<QImage>& images, const QString& caption);
  int pathImageCount() const;

 Q_SIGNALS:
  // The user asked to traverse the latent space from the shown item.
  void traverseRequested(int64_t index);
  // The user wants an interpolation from the shown item to the next one clicked.
  void pathRequested(int64_t index);
  void statusMessage(const QString& text, int timeoutMs);

 private:
  void showCurrentItem();

  Workspace* workspace_ = nullptr;
  InferenceWorker* inference_ = nullptr;
  DatasetPtr dataset_;
  int64_t index_ = -1;
  PixelImageLabel* image_ = nullptr;
  PixelImageLabel* reconstruction_ = nullptr;
  QLabel* reconstructionCaption_ = nullptr;
  QLabel* title_ = nullptr;
  QLabel* details_ = nullptr;
  QPushButton* traverse_ = nullptr;
  QPushButton* path_ = nullptr;
  class ImageGrid* pathGrid_ = nullptr;
  QLabel* pathCaption_ = nullptr;
};

}  // namespace strata
