#include "widgets/item_panel.h"

#include <QLabel>
#include <QPushButton>
#include <QVBoxLayout>

#include "core/base/inference_worker.h"
#include "core/data/image_convert.h"
#include "core/model/model_ops.h"
#include "core/workspace/workspace.h"
#include "widgets/image_grid.h"
#include "widgets/pixel_image_label.h"

namespace strata {

ItemPanel::ItemPanel(QWidget* parent) : QWidget(parent) {
  auto* layout = new QVBoxLayout(this);
  title_ = new QLabel(tr("Hover over a point"), this);
  QFont bold = title_->font();
  bold.setBold(true);
  title_->setFont(bold);
  image_ = new PixelImageLabel(this);
  details_ = new QLabel(this);
  details_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  details_->setWordWrap(true);
  layout->addWidget(title_);
  layout->addWidget(image_);
  layout->addWidget(details_);
  reconstructionCaption_ = new QLabel(this);
  reconstructionCaption_->setWordWrap(true);
  reconstruction_ = new PixelImageLabel(this);
  reconstruction_->hide();
  layout->addWidget(reconstructionCaption_);
  layout->addWidget(reconstruction_);
  traverse_ = new QPushButton(tr("Traverse from this item"), this);
  traverse_->setEnabled(false);
  connect(traverse_, &QPushButton::clicked, this, [this] { Q_EMIT traverseRequested(index_); });
  layout->addWidget(traverse_);
  path_ = new QPushButton(tr("Path from this item…"), this);
  path_->setToolTip(tr(
      "Then click another point: the latent interpolation is drawn on the map and decoded here"));
  path_->setEnabled(false);
  connect(path_, &QPushButton::clicked, this, [this] { Q_EMIT pathRequested(index_); });
  layout->addWidget(path_);
  pathCaption_ = new QLabel(this);
  pathCaption_->setWordWrap(true);
  pathGrid_ = new ImageGrid(this);
  pathGrid_->setMinimumHeight(60);
  pathGrid_->hide();
  layout->addWidget(pathCaption_);
  layout->addWidget(pathGrid_);
  layout->addStretch(1);
}

void ItemPanel::attach(Workspace* workspace, InferenceWorker* inference) {
  workspace_ = workspace;
  inference_ = inference;
  connect(workspace, &Workspace::datasetChanged, this,
          [this] { setDataset(workspace_->dataset()); });
  connect(workspace, &Workspace::currentItemChanged, this, &ItemPanel::showCurrentItem);
  connect(workspace, &Workspace::pathChanged, this, [this] {
    const LatentPath& path = workspace_->path();
    QVector<QImage> images;
    const size_t pixels = size_t(path.shape.pixelCount());
    for (size_t i = 0; pixels > 0 && i + pixels <= path.images.size(); i += pixels)
      images << toQImage(path.images.data() + i, path.shape);
    setPathImages(images, path.caption);
  });
  connect(workspace, &Workspace::decodedSpotChanged, this, [this] {
    const DecodedSpot& spot = workspace_->decodedSpot();
    setReconstruction(toQImage(spot.image.data(), spot.shape), spot.caption);
  });
  connect(this, &ItemPanel::pathRequested, this, [this](int64_t index) {
    workspace_->setPathStart(index);
    Q_EMIT statusMessage(tr("Click another point to draw the interpolation from #%1").arg(index),
                         10000);
  });
}

void ItemPanel::showCurrentItem() {
  const int64_t index = workspace_->currentItem();
  // Clicking the background unpins the item but keeps it shown.
  if (index < 0 && index_ >= 0 && !workspace_->isItemPinned()) return;
  showItem(index, workspace_->isItemPinned());
  setReconstruction({}, {});
  if (!workspace_->canEncodeDataset() || index < 0) return;
  const ModelPtr model = workspace_->model();
  const DatasetPtr dataset = workspace_->dataset();
  inference_->submit<std::vector<float>>(
      RequestChannel::ItemReconstruction,
      [=] { return reconstruct(*model, *dataset, {index}).reconstructions; },
      [this, model, index](std::vector<float> pixels) {
        if (currentIndex() != index) return;
        setReconstruction(toQImage(pixels.data(), model->info().input),
                          tr("Reconstruction by %1 (posterior mean)").arg(model->info().name));
      },
      [this](const QString& message) {
        setReconstruction({}, tr("No reconstruction: %1").arg(message));
      });
}

void ItemPanel::setDataset(DatasetPtr dataset) {
  dataset_ = std::move(dataset);
  index_ = -1;
  image_->setImage({});
  title_->setText(tr("Hover over a point"));
  details_->clear();
}

void ItemPanel::showItem(int64_t index, bool pinned) {
  if (!dataset_ || index < 0 || index >= dataset_->size()) return;
  index_ = index;
  traverse_->setEnabled(true);
  path_->setEnabled(true);
  image_->setImage(datasetImage(*dataset_, index));
  title_->setText(pinned ? tr("Selected item") : tr("Item under the pointer"));
  QString text = tr("Index: %1").arg(index);
  if (dataset_->hasLabels())
    text += "\n" + tr("Label: %1 (%2)").arg(labelText()).arg(dataset_->label(index));
  const QStringList factors = dataset_->factorNames();
  for (int f = 0; f < factors.size(); ++f)
    text +=
        "\n" + QStringLiteral("%1: %2").arg(factors[f]).arg(dataset_->factor(index, f), 0, 'g', 4);
  details_->setText(text);
}

void ItemPanel::setReconstruction(const QImage& image, const QString& caption) {
  reconstruction_->setImage(image);
  reconstruction_->setVisible(!image.isNull());
  reconstructionCaption_->setText(caption);
}

void ItemPanel::setPathImages(const QVector<QImage>& images, const QString& caption) {
  pathGrid_->setImages(images, std::max(1, int(images.size() + 1) / 2));
  pathGrid_->setVisible(!images.isEmpty());
  pathCaption_->setText(caption);
}

int ItemPanel::pathImageCount() const {
  return pathGrid_->isVisible() ? pathGrid_->imageCount() : 0;
}

QString ItemPanel::labelText() const {
  return dataset_ && index_ >= 0 ? dataset_->labelName(index_) : QString();
}

}  // namespace strata
