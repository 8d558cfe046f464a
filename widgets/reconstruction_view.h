#pragma once
// Dataset inputs beside their reconstructions, and a grid of prior samples, with the seed and
// temperature that made them.

#include <QWidget>

class QDoubleSpinBox;
class QLabel;
class QSpinBox;

namespace strata {

class ImageGrid;

class ReconstructionView : public QWidget {
  Q_OBJECT

 public:
  explicit ReconstructionView(QWidget* parent = nullptr);

  int inputOffset() const;
  quint64 sampleSeed() const;
  double temperature() const;

  // `inputs` and `reconstructions` pair up; shown as alternating rows.
  void showReconstructions(const QVector<QImage>& inputs, const QVector<QImage>& reconstructions,
                           const QString& caption);
  void showSamples(const QVector<QImage>& samples, const QString& caption);
  void showUnavailable(const QString& reconstructionsWhy, const QString& samplesWhy);
  ImageGrid* reconstructionGrid() const { return reconstructions_; }
  ImageGrid* sampleGrid() const { return samples_; }

 Q_SIGNALS:
  void refreshRequested();

 private:
  ImageGrid* reconstructions_ = nullptr;
  ImageGrid* samples_ = nullptr;
  QSpinBox* offset_ = nullptr;
  QSpinBox* seed_ = nullptr;
  QDoubleSpinBox* temperature_ = nullptr;
};

}  // namespace strata
