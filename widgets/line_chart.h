#pragma once
// A small line chart with labelled axes and a legend, for curves such as the prior
// log-density along an interpolation path.

#include <QColor>
#include <QWidget>

#include <vector>

namespace strata {

class LineChart : public QWidget {
  Q_OBJECT

 public:
  struct Series {
    QString name;
    std::vector<double> values;  // evenly spaced along x
    QColor color;
  };
  explicit LineChart(QWidget* parent = nullptr);
  void setSeries(std::vector<Series> series, const QString& xLabel, const QString& yLabel);
  // Shared y range across charts so columns compare at a glance; NaN = own range.
  void setYRange(double low, double high);
  std::pair<double, double> dataRange() const;
  QSize sizeHint() const override { return {320, 150}; }
  QSize minimumSizeHint() const override { return {200, 110}; }

 protected:
  void paintEvent(QPaintEvent* event) override;

 private:
  std::vector<Series> series_;
  QString xLabel_, yLabel_;
  double yLow_ = NAN, yHigh_ = NAN;
};

}  // namespace strata
