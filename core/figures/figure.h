#pragma once
// A figure as a list of drawing primitives in points (1/72 inch), written to PNG (QPainter at
// a chosen DPI), PDF (QPdfWriter, vector text) and SVG (written directly: text as <text>, one
// <circle> per scatter mark, images embedded at native resolution with pixelated rendering).
// One layout, three back ends, so the formats show the same figure.

#include <QColor>
#include <QImage>
#include <QPointF>
#include <QRectF>
#include <QString>

#include <vector>

namespace strata {

struct FigureStyle {
  QString fontFamily = QStringLiteral("DejaVu Sans");
  double fontSize = 9;  // points
  int dpi = 300;        // PNG only
};

class Figure {
 public:
  Figure(double width, double height, FigureStyle style = {});
  double width() const { return width_; }
  double height() const { return height_; }
  const FigureStyle& style() const { return style_; }

  enum class Anchor { Left, Centre, Right };
  // `size` relative to the style's font size (1 = body text).
  void text(QPointF baseline, const QString& text, double size = 1, Anchor anchor = Anchor::Left,
            bool bold = false, double rotation = 0, QColor color = Qt::black);
  void image(const QRectF& rect, const QImage& image);  // nearest neighbour, never smoothed
  void rect(const QRectF& rect, QColor fill, QColor stroke = Qt::transparent,
            double strokeWidth = 0);
  void line(QPointF from, QPointF to, QColor color, double width = 0.5);
  void polyline(const std::vector<QPointF>& points, QColor color, double width = 1);
  // Scatter marks: one filled circle per point.
  void marks(const std::vector<QPointF>& centres, const std::vector<QColor>& colors, double radius);
  // Width of `text` at `size` in points (for layout).
  double textWidth(const QString& text, double size = 1, bool bold = false) const;

  QImage toImage(int dpi) const;
  // Each throws Error with the path on failure.
  void savePng(const QString& path) const;
  void savePdf(const QString& path) const;
  void saveSvg(const QString& path) const;
  // By the suffix: .png, .pdf or .svg.
  void save(const QString& path) const;

  struct Element;

 private:
  double width_, height_;
  FigureStyle style_;
  std::vector<Element> elements_;
  friend class FigurePainter;
};

struct Figure::Element {
  enum Kind { Text, Image, Rect, Line, Polyline, Marks } kind = Text;
  QString text;
  QPointF point;
  QRectF box;
  QImage picture;
  QColor fill, stroke;
  double size = 1, width = 0, rotation = 0;
  Anchor anchor = Anchor::Left;
  bool bold = false;
  std::vector<QPointF> points;
  std::vector<QColor> colors;
};

}  // namespace strata
