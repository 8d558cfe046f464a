#include "widgets/pixel_image_label.h"

#include <QPainter>

namespace strata {

PixelImageLabel::PixelImageLabel(QWidget* parent) : QWidget(parent) {
  setMinimumSize(112, 112);
  setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Preferred);
}

void PixelImageLabel::setImage(const QImage& image) {
  image_ = image;
  update();
}

void PixelImageLabel::paintEvent(QPaintEvent*) {
  QPainter painter(this);
  painter.fillRect(rect(), palette().window());
  if (image_.isNull()) return;
  // Largest whole-number scale that fits keeps every source pixel the same size.
  const int scale = std::max(1, std::min(width() / image_.width(), height() / image_.height()));
  const QSize size = image_.size() * scale;
  const QRect target(QPoint((width() - size.width()) / 2, (height() - size.height()) / 2), size);
  painter.setRenderHint(QPainter::SmoothPixmapTransform, false);
  painter.drawImage(target, image_);
  painter.setPen(QColor(0, 0, 0, 60));
  painter.drawRect(target.adjusted(0, 0, -1, -1));
}

}  // namespace strata
