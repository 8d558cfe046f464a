#include "widgets/image_grid.h"

#include <QMouseEvent>
#include <QPainter>

#include <algorithm>

namespace strata {

ImageGrid::ImageGrid(QWidget* parent) : QWidget(parent) {
  setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
}

void ImageGrid::setImages(const QVector<QImage>& images, int columns,
                          const QStringList& rowLabels) {
  images_ = images;
  columns_ = std::max(1, columns);
  rowLabels_ = rowLabels;
  message_.clear();
  marked_.clear();
  updateGeometry();
  update();
}

void ImageGrid::setCaption(const QString& caption) {
  caption_ = caption;
  update();
}

void ImageGrid::setMessage(const QString& message) {
  images_.clear();
  message_ = message;
  update();
}

void ImageGrid::setMarkedCells(const QVector<int>& cells) {
  marked_ = cells;
  update();
}

// Width of the images (cells may be empty, e.g. blank first columns).
static int sourceWidth(const QVector<QImage>& images) {
  for (const QImage& i : images)
    if (!i.isNull()) return i.width();
  return 0;
}

int ImageGrid::rows() const {
  return (int(images_.size()) + columns_ - 1) / columns_;
}

QSize ImageGrid::sizeHint() const {
  if (images_.isEmpty()) return {400, 300};
  const int cell = std::max(56, sourceWidth(images_) * 2);
  return {columns_ * (cell + 2) + (rowLabels_.isEmpty() ? 0 : 110), rows() * (cell + 2) + 24};
}

ImageGrid::Layout ImageGrid::layoutFor(const QSize& area) const {
  Layout l;
  l.top = caption_.isEmpty() ? 4 : fontMetrics().height() + 8;
  l.labelWidth = 0;
  for (const QString& label : rowLabels_)
    l.labelWidth = std::max(l.labelWidth, fontMetrics().horizontalAdvance(label) + 10);
  l.gap = 2;
  const int r = std::max(1, rows());
  const int byWidth = (area.width() - l.labelWidth - 8) / columns_ - l.gap;
  const int byHeight = (area.height() - l.top - 4) / r - l.gap;
  l.cell = std::max(8, std::min(byWidth, byHeight));
  // Whole multiples of the source size keep pixels square and equal.
  const int source = sourceWidth(images_);
  if (source > 0 && l.cell >= source) l.cell = l.cell / source * source;
  const int gridWidth = l.labelWidth + columns_ * (l.cell + l.gap);
  l.left = std::max(4, (area.width() - gridWidth) / 2);
  return l;
}

void ImageGrid::paintGrid(QPainter& painter, const Layout& l) const {
  painter.setRenderHint(QPainter::SmoothPixmapTransform, false);
  if (!caption_.isEmpty()) {
    painter.setPen(palette().color(QPalette::WindowText));
    const QRect captionRect(4, 2, painter.device()->width() - 8, l.top - 4);
    painter.drawText(
        captionRect, Qt::AlignLeft | Qt::AlignVCenter,
        painter.fontMetrics().elidedText(caption_, Qt::ElideRight, captionRect.width()));
  }
  for (int i = 0; i < images_.size(); ++i) {
    const int r = i / columns_, c = i % columns_;
    const QRect target(l.left + l.labelWidth + c * (l.cell + l.gap), l.top + r * (l.cell + l.gap),
                       l.cell, l.cell);
    painter.drawImage(target, images_[i]);
    if (marked_.contains(i)) {
      painter.setPen(QPen(QColor(0xe1, 0x57, 0x59), 2));
      painter.drawRect(target.adjusted(1, 1, -1, -1));
    }
  }
  painter.setPen(palette().color(QPalette::WindowText));
  for (int r = 0; r < rowLabels_.size() && r < rows(); ++r)
    painter.drawText(QRect(l.left, l.top + r * (l.cell + l.gap), l.labelWidth - 8, l.cell),
                     Qt::AlignRight | Qt::AlignVCenter, rowLabels_[r]);
}

void ImageGrid::paintEvent(QPaintEvent*) {
  QPainter painter(this);
  painter.fillRect(rect(), palette().base());
  if (images_.isEmpty()) {
    painter.setPen(palette().color(QPalette::PlaceholderText));
    painter.drawText(rect().adjusted(12, 12, -12, -12), Qt::AlignCenter | Qt::TextWordWrap,
                     message_);
    return;
  }
  paintGrid(painter, layoutFor(size()));
}

int ImageGrid::cellAt(const QPoint& pos) const {
  if (images_.isEmpty()) return -1;
  const Layout l = layoutFor(size());
  const int x = pos.x() - l.left - l.labelWidth, y = pos.y() - l.top;
  if (x < 0 || y < 0) return -1;
  const int c = x / (l.cell + l.gap), r = y / (l.cell + l.gap);
  const int index = r * columns_ + c;
  return c < columns_ && index < images_.size() ? index : -1;
}

void ImageGrid::mousePressEvent(QMouseEvent* event) {
  const int index = cellAt(event->pos());
  if (index >= 0) Q_EMIT cellClicked(index);
}

QImage ImageGrid::renderImage(int cellPixels) const {
  Layout l;
  l.cell = cellPixels;
  l.gap = 2;
  l.top = caption_.isEmpty() ? 4 : fontMetrics().height() + 8;
  for (const QString& label : rowLabels_)
    l.labelWidth = std::max(l.labelWidth, fontMetrics().horizontalAdvance(label) + 10);
  l.left = 4;
  QImage image(l.left * 2 + l.labelWidth + columns_ * (l.cell + l.gap),
               l.top + rows() * (l.cell + l.gap) + 4, QImage::Format_RGB32);
  image.fill(Qt::white);
  QPainter painter(&image);
  painter.setFont(font());
  paintGrid(painter, l);
  return image;
}

}  // namespace strata
