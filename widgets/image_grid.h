#pragma once
// A grid of small images drawn with nearest-neighbour scaling, with optional row labels,
// a caption, and one marked cell. Also renders itself to a QImage for export.

#include <QImage>
#include <QStringList>
#include <QWidget>

namespace strata {

class ImageGrid : public QWidget {
  Q_OBJECT

 public:
  explicit ImageGrid(QWidget* parent = nullptr);

  void setImages(const QVector<QImage>& images, int columns, const QStringList& rowLabels = {});
  void setCaption(const QString& caption);
  QString caption() const { return caption_; }
  void setMessage(const QString& message);  // shown instead of the grid (e.g. why it is empty)
  void setMarkedCells(const QVector<int>& cells);  // outlined, e.g. the starting values
  int imageCount() const { return int(images_.size()); }
  int columns() const { return columns_; }
  // The cell under a widget position, or -1.
  int cellAt(const QPoint& pos) const;
  QImage renderImage(int cellPixels) const;

  QSize sizeHint() const override;
  QSize minimumSizeHint() const override { return {160, 120}; }

 Q_SIGNALS:
  void cellClicked(int index);

 protected:
  void paintEvent(QPaintEvent* event) override;
  void mousePressEvent(QMouseEvent* event) override;

 private:
  struct Layout {
    int cell = 0, gap = 0, labelWidth = 0, top = 0, left = 0;
  };
  Layout layoutFor(const QSize& area) const;
  void paintGrid(QPainter& painter, const Layout& layout) const;
  int rows() const;

  QVector<QImage> images_;
  QStringList rowLabels_;
  QString caption_;
  QString message_;
  int columns_ = 1;
  QVector<int> marked_;
};

}  // namespace strata
