#include "core/figures/figure.h"

#include <QBuffer>
#include <QFile>
#include <QFileInfo>
#include <QFont>
#include <QFontMetricsF>
#include <QPainter>
#include <QPainterPath>
#include <QPdfWriter>
#include <QSaveFile>

#include <cmath>

#include "core/base/errors.h"
#include "core/base/file_io.h"

namespace strata {

namespace {

QFont fontFor(const FigureStyle& style, double size, bool bold) {
  QFont font(style.fontFamily);
  font.setPointSizeF(style.fontSize * size);
  font.setBold(bold);
  font.setHintingPreference(QFont::PreferNoHinting);  // the same shapes at every DPI
  return font;
}

QString svgColor(const QColor& c) {
  return c.name(QColor::HexRgb);
}

QString number(double v) {
  return QString::number(v, 'f', 2);
}

QString escaped(const QString& text) {
  return text.toHtmlEscaped();
}

}  // namespace

// Draws the elements with a QPainter whose user space is in points.
class FigurePainter {
 public:
  static void paint(const Figure& f, QPainter& p) {
    p.setRenderHint(QPainter::Antialiasing, true);
    p.setRenderHint(QPainter::TextAntialiasing, true);
    p.setRenderHint(QPainter::SmoothPixmapTransform, false);  // images stay pixelated
    for (const Figure::Element& e : f.elements_) {
      switch (e.kind) {
        case Figure::Element::Text: {
          const QFont font = fontFor(f.style_, e.size, e.bold);
          p.setFont(font);
          p.setPen(e.fill);
          const double w = QFontMetricsF(font).horizontalAdvance(e.text);
          const double dx = e.anchor == Figure::Anchor::Left     ? 0
                            : e.anchor == Figure::Anchor::Centre ? -w / 2
                                                                 : -w;
          p.save();
          p.translate(e.point);
          p.rotate(e.rotation);
          p.drawText(QPointF(dx, 0), e.text);
          p.restore();
          break;
        }
        case Figure::Element::Image:
          p.drawImage(e.box, e.picture);
          break;
        case Figure::Element::Rect:
          p.setPen(e.width > 0 ? QPen(e.stroke, e.width) : QPen(Qt::NoPen));
          p.setBrush(e.fill.alpha() ? QBrush(e.fill) : QBrush(Qt::NoBrush));
          p.drawRect(e.box);
          break;
        case Figure::Element::Line:
          p.setPen(QPen(e.stroke, e.width));
          p.drawLine(e.point, e.box.topLeft());
          break;
        case Figure::Element::Polyline: {
          p.setPen(QPen(e.stroke, e.width));
          p.setBrush(Qt::NoBrush);
          QPainterPath path;
          for (size_t i = 0; i < e.points.size(); ++i)
            i == 0 ? path.moveTo(e.points[i]) : path.lineTo(e.points[i]);
          p.drawPath(path);
          break;
        }
        case Figure::Element::Marks:
          p.setPen(Qt::NoPen);
          for (size_t i = 0; i < e.points.size(); ++i) {
            p.setBrush(e.colors[i]);
            p.drawEllipse(e.points[i], e.size, e.size);
          }
          break;
      }
    }
  }
};

Figure::Figure(double width, double height, FigureStyle style)
    : width_(width), height_(height), style_(std::move(style)) {}

void Figure::text(QPointF baseline, const QString& t, double size, Anchor anchor, bool bold,
                  double rotation, QColor color) {
  Element e;
  e.kind = Element::Text;
  e.point = baseline;
  e.text = t;
  e.size = size;
  e.anchor = anchor;
  e.bold = bold;
  e.rotation = rotation;
  e.fill = color;
  elements_.push_back(std::move(e));
}

void Figure::image(const QRectF& r, const QImage& picture) {
  Element e;
  e.kind = Element::Image;
  e.box = r;
  e.picture = picture;
  elements_.push_back(std::move(e));
}

void Figure::rect(const QRectF& r, QColor fill, QColor stroke, double strokeWidth) {
  Element e;
  e.kind = Element::Rect;
  e.box = r;
  e.fill = fill;
  e.stroke = stroke;
  e.width = strokeWidth;
  elements_.push_back(std::move(e));
}

void Figure::line(QPointF from, QPointF to, QColor color, double width) {
  Element e;
  e.kind = Element::Line;
  e.point = from;
  e.box = QRectF(to, QSizeF());
  e.stroke = color;
  e.width = width;
  elements_.push_back(std::move(e));
}

void Figure::polyline(const std::vector<QPointF>& points, QColor color, double width) {
  Element e;
  e.kind = Element::Polyline;
  e.points = points;
  e.stroke = color;
  e.width = width;
  elements_.push_back(std::move(e));
}

void Figure::marks(const std::vector<QPointF>& centres, const std::vector<QColor>& colors,
                   double radius) {
  Element e;
  e.kind = Element::Marks;
  e.points = centres;
  e.colors = colors;
  e.size = radius;
  elements_.push_back(std::move(e));
}

double Figure::textWidth(const QString& t, double size, bool bold) const {
  return QFontMetricsF(fontFor(style_, size, bold)).horizontalAdvance(t);
}

QImage Figure::toImage(int dpi) const {
  const double scale = dpi / 72.0;
  QImage image(int(std::ceil(width_ * scale)), int(std::ceil(height_ * scale)),
               QImage::Format_RGB32);
  image.fill(Qt::white);
  // Paint at 72 dots per inch so one point is one unit, scaled up to the target resolution;
  // the file then records the real resolution.
  image.setDotsPerMeterX(int(std::lround(72 / 0.0254)));
  image.setDotsPerMeterY(int(std::lround(72 / 0.0254)));
  {
    QPainter p(&image);
    p.scale(scale, scale);
    FigurePainter::paint(*this, p);
  }
  image.setDotsPerMeterX(int(std::lround(dpi / 0.0254)));
  image.setDotsPerMeterY(int(std::lround(dpi / 0.0254)));
  return image;
}

void Figure::savePng(const QString& path) const {
  QSaveFile file(path);
  if (!file.open(QIODevice::WriteOnly) || !toImage(style_.dpi).save(&file, "PNG") || !file.commit())
    throw Error(path.toStdString() + ": cannot write the PNG");
}

void Figure::savePdf(const QString& path) const {
  {
    QPdfWriter pdf(path);
    pdf.setResolution(72);  // user space in points, as the elements are
    pdf.setPageSize(QPageSize(QSizeF(width_, height_), QPageSize::Point));
    pdf.setPageMargins(QMarginsF(0, 0, 0, 0));
    pdf.setCreator(QStringLiteral("Strata"));
    QPainter p;
    if (!p.begin(&pdf)) throw Error(path.toStdString() + ": cannot write the PDF");
    FigurePainter::paint(*this, p);
    p.end();
  }
  if (!QFileInfo(path).isFile() || QFileInfo(path).size() == 0)
    throw Error(path.toStdString() + ": cannot write the PDF");
}

void Figure::saveSvg(const QString& path) const {
  QString svg;
  svg += QStringLiteral(
             "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
             "<svg xmlns=\"http://www.w3.org/2000/svg\" "
             "xmlns:xlink=\"http://www.w3.org/1999/xlink\" version=\"1.1\" "
             "width=\"%1pt\" height=\"%2pt\" viewBox=\"0 0 %1 %2\">\n"
             "<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n")
             .arg(number(width_), number(height_));
  for (const Element& e : elements_) {
    switch (e.kind) {
      case Element::Text: {
        const char* anchor = e.anchor == Anchor::Left     ? "start"
                             : e.anchor == Anchor::Centre ? "middle"
                                                          : "end";
        QString transform;
        if (e.rotation != 0)
          transform = QStringLiteral(" transform=\"rotate(%1 %2 %3)\"")
                          .arg(number(e.rotation), number(e.point.x()), number(e.point.y()));
        svg += QStringLiteral(
                   "<text x=\"%1\" y=\"%2\" font-family=\"%3\" font-size=\"%4\" "
                   "text-anchor=\"%5\"%6 fill=\"%7\"%8>%9</text>\n")
                   .arg(number(e.point.x()), number(e.point.y()), escaped(style_.fontFamily),
                        number(style_.fontSize * e.size), QString::fromLatin1(anchor),
                        e.bold ? QStringLiteral(" font-weight=\"bold\"") : QString(),
                        svgColor(e.fill), transform, escaped(e.text));
        break;
      }
      case Element::Image: {
        QByteArray png;
        QBuffer buffer(&png);
        buffer.open(QIODevice::WriteOnly);
        e.picture.save(&buffer, "PNG");  // native resolution
        svg += QStringLiteral(
                   "<image x=\"%1\" y=\"%2\" width=\"%3\" height=\"%4\" "
                   "preserveAspectRatio=\"none\" style=\"image-rendering:pixelated\" "
                   "xlink:href=\"data:image/png;base64,%5\"/>\n")
                   .arg(number(e.box.x()), number(e.box.y()), number(e.box.width()),
                        number(e.box.height()), QString::fromLatin1(png.toBase64()));
        break;
      }
      case Element::Rect:
        svg +=
            QStringLiteral("<rect x=\"%1\" y=\"%2\" width=\"%3\" height=\"%4\" fill=\"%5\"%6/>\n")
                .arg(number(e.box.x()), number(e.box.y()), number(e.box.width()),
                     number(e.box.height()),
                     e.fill.alpha() ? svgColor(e.fill) : QStringLiteral("none"),
                     e.width > 0 ? QStringLiteral(" stroke=\"%1\" stroke-width=\"%2\"")
                                       .arg(svgColor(e.stroke), number(e.width))
                                 : QString());
        break;
      case Element::Line:
        svg += QStringLiteral(
                   "<line x1=\"%1\" y1=\"%2\" x2=\"%3\" y2=\"%4\" stroke=\"%5\" "
                   "stroke-width=\"%6\"/>\n")
                   .arg(number(e.point.x()), number(e.point.y()), number(e.box.x()),
                        number(e.box.y()), svgColor(e.stroke), number(e.width));
        break;
      case Element::Polyline: {
        QStringList pts;
        for (const QPointF& p : e.points) pts << number(p.x()) + ',' + number(p.y());
        svg += QStringLiteral(
                   "<polyline points=\"%1\" fill=\"none\" stroke=\"%2\" stroke-width=\"%3\"/>\n")
                   .arg(pts.join(' '), svgColor(e.stroke), number(e.width));
        break;
      }
      case Element::Marks:
        svg += QStringLiteral("<g class=\"marks\">\n");
        for (size_t i = 0; i < e.points.size(); ++i)
          svg += QStringLiteral("<circle cx=\"%1\" cy=\"%2\" r=\"%3\" fill=\"%4\"/>\n")
                     .arg(number(e.points[i].x()), number(e.points[i].y()), number(e.size),
                          svgColor(e.colors[i]));
        svg += QStringLiteral("</g>\n");
        break;
    }
  }
  svg += QStringLiteral("</svg>\n");
  writeFileAtomically(path, svg.toUtf8(), QStringLiteral("SVG"));
}

void Figure::save(const QString& path) const {
  const QString suffix = QFileInfo(path).suffix().toLower();
  if (suffix == QLatin1String("png"))
    savePng(path);
  else if (suffix == QLatin1String("pdf"))
    savePdf(path);
  else if (suffix == QLatin1String("svg"))
    saveSvg(path);
  else
    throw Error(path.toStdString() + ": unknown figure format (use .png, .svg or .pdf)");
}

}  // namespace strata
