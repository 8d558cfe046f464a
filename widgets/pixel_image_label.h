#pragma once
// Shows a small image scaled up with nearest-neighbour sampling, never blurred.

#include <QImage>
#include <QWidget>

namespace strata {

class PixelImageLabel : public QWidget {
  Q_OBJECT

 public:
  explicit PixelImageLabel(QWidget* parent = nullptr);
  void setImage(const QImage& image);
  QImage image() const { return image_; }
  QSize sizeHint() const override { return {196, 196}; }
  bool hasHeightForWidth() const override { return true; }
  int heightForWidth(int w) const override { return w; }

 protected:
  void paintEvent(QPaintEvent* event) override;

 private:
  QImage image_;
};

}  // namespace strata
