#pragma once
// Dataset inputs beside their reconstructions, and a grid of prior samples, with the seed and
// temperature that made them.

#include <QJsonObject>
#include <QWidget>

class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QSpinBox;

namespace strata {

struct ModelInfo;

class ImageGrid;
class InferenceWorker;
class Workspace;

class ReconstructionView : public QWidget {
  Q_OBJECT

 public:
  explicit ReconstructionView(QWidget* parent = nullptr);
  // Follows the workspace's dataset and model and asks the inference worker for reconstructions
  // of spread dataset items and prior samples whenever they or the view's controls change.
  void attach(Workspace* workspace, InferenceWorker* inference);
  void refresh();
  // The recipe of the shown inputs and samples as a figure, without dataset and style; empty if
  // there is none.
  QJsonObject figureRecipe() const;

  int inputOffset() const;
  quint64 sampleSeed() const;
  double temperature() const;
  // A conditional model's class the samples are decoded under (-1 for other models).
  int sampleClass() const;

  // `inputs` and `reconstructions` pair up; shown as alternating rows.
  void showReconstructions(const QVector<QImage>& inputs, const QVector<QImage>& reconstructions,
                           const QString& caption);
  void showSamples(const QVector<QImage>& samples, const QString& caption);
  void showUnavailable(const QString& reconstructionsWhy, const QString& samplesWhy);
  ImageGrid* reconstructionGrid() const { return reconstructions_; }
  ImageGrid* sampleGrid() const { return samples_; }

 Q_SIGNALS:
  void refreshRequested();
  void reconstructionsShown();
  void samplesShown();

 private:
  void refreshSamples();
  void refreshReconstructions();

  Workspace* workspace_ = nullptr;
  InferenceWorker* inference_ = nullptr;
  ImageGrid* reconstructions_ = nullptr;
  ImageGrid* samples_ = nullptr;
  QSpinBox* offset_ = nullptr;
  QSpinBox* seed_ = nullptr;
  QDoubleSpinBox* temperature_ = nullptr;
  QComboBox* class_ = nullptr;
  QLabel* classLabel_ = nullptr;
  // Lists the open model's classes, shown only for a conditional model.
  void syncClasses(const ModelInfo& info);
};

}  // namespace strata
