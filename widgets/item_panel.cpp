#include "widgets/item_panel.h"

#include <QLabel>
#include <QPushButton>
#include <QVBoxLayout>

#include "core/data/image_convert.h"
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
