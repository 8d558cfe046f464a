#pragma once
// Live traversals: one slider per latent unit (per channel for spatial layers), grouped by
// layer and ordered by KL; the image follows the sliders; a traversal grid with exports.

#include <QJsonObject>
#include <QWidget>

#include <memory>
#include <vector>

#include "core/base/job_tracker.h"
#include "core/data/dataset.h"
#include "core/model/latent_stats.h"
#include "core/model/model.h"
#include "core/model/traversal.h"

class QComboBox;
class QDoubleSpinBox;
class QGridLayout;
class QLineEdit;
class QGroupBox;
class QLabel;
class QLayout;
class QPushButton;
class QSlider;
class QSpinBox;
class QVBoxLayout;

namespace strata {

class ImageGrid;
class InferenceWorker;
class PixelImageLabel;

class TraverseView : public QWidget {
  Q_OBJECT

 public:
  TraverseView(InferenceWorker* worker, QWidget* parent = nullptr);
  ~TraverseView() override;

  void setModel(ModelPtr model);
  void setDataset(DatasetPtr dataset);
  void setStats(std::shared_ptr<const LatentStats> stats);

  // Starts from a dataset item's posterior mean.
  void startFromItem(int64_t item);
  // Scrolls to a unit's slider and makes it the grid's first row.
  void focusUnit(int layer, int unit);

  // For tests and scripting.
  int sliderCount() const { return int(rows_.size()); }
  void setSliderFraction(int row, double fraction);
  // The unit the grid starts with (the last moved or focused one), or "".
  QString focusedUnitLabel() const;
  QImage currentImage() const;
  ImageGrid* grid() const { return grid_; }
  void makeGrid();
  // The recipe (core/figures/recipe.h) of the current grid, without dataset and style; empty if
  // none.
  QJsonObject figureRecipe() const;
  // The unit last moved (else the grid's first row), there and back, for the GIF button.
  QJsonObject animationRecipe() const;
  // Shows only the layers whose title holds `text` (name, display name or group).
  void setLayerFilter(const QString& text);
  // What the sliders start from, e.g. "item 42, posterior mean".
  QString startText() const;
  // A conditional model's class to decode under (-1: as the start was encoded); restarts.
  void setStartClass(int cls);

 Q_SIGNALS:
  void imageShown();
  void gridShown();
  void statusMessage(const QString& message);
  // The "inspect" link beside a single unit's slider: the unit inspector for that unit.
  void unitInspectRequested(int layer, int unit);
  // The PNG and GIF buttons: the grid's or the animation's recipe, rendered by the window's
  // figure export.
  void figureExportRequested(const QJsonObject& recipe, const QString& suffix);

 private:
  struct SliderRow {
    UnitGroup group;
    QSlider* slider = nullptr;
    QLabel* name = nullptr;
    QLabel* value = nullptr;
    Range range;
    double current = 0;
  };
  QGroupBox* buildStartBox();
  QGroupBox* buildRangeBox();
  QWidget* buildSliderArea();
  QLayout* buildImageRow();
  QLayout* buildGridControls();
  void connectSettings();
  void reportFailure(const QString& what, const QString& message);
  void rebuildSliders();
  std::vector<std::pair<UnitGroup, double>> sliderGroups(int layer, int* candidateCount) const;
  void addSliderRow(QGridLayout* form, int row, const UnitGroup& group, const double* kl);
  void resetStart();
  void applyStart(const LatentStart& start);
  void updateRanges();
  void onSliderMoved(int row);
  void decodeCurrent();
  std::vector<UnitGroup> gridRows() const;
  RangeMode rangeMode() const;
  Propagation propagation() const;

  InferenceWorker* worker_;
  ModelPtr model_;
  GenerationGuard modelGeneration_;  // next() on every setModel()
  DatasetPtr dataset_;
  std::shared_ptr<const LatentStats> stats_;
  std::shared_ptr<const LatentStart> start_;
  std::vector<SliderRow> rows_;
  int lastMoved_ = -1;
  std::vector<int> gridValues_;

  QComboBox* startKind_ = nullptr;
  QSpinBox* startItem_ = nullptr;
  QSpinBox* startSeed_ = nullptr;
  // A conditional model's class y: "as encoded" (the label's or q(y|x)'s) or a chosen class.
  QComboBox* startClass_ = nullptr;
  QLabel* startLabel_ = nullptr;
  QComboBox* rangeMode_ = nullptr;
  QDoubleSpinBox* rangeK_ = nullptr;
  QLabel* rangeLabel_ = nullptr;
  QComboBox* propagation_ = nullptr;
  QComboBox* spatialMode_ = nullptr;
  QSpinBox* spatialRow_ = nullptr;
  QSpinBox* spatialColumn_ = nullptr;
  void filterLayers();
  QVBoxLayout* slidersLayout_ = nullptr;
  QLineEdit* layerFilter_ = nullptr;
  QWidget* slidersHost_ = nullptr;
  PixelImageLabel* image_ = nullptr;
  PixelImageLabel* startImage_ = nullptr;
  QLabel* imageCaption_ = nullptr;
  QSpinBox* gridRowsCount_ = nullptr;
  QSpinBox* gridSteps_ = nullptr;
  ImageGrid* grid_ = nullptr;
  QImage current_;
};

}  // namespace strata
