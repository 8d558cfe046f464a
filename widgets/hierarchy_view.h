#pragma once
// What each layer of a hierarchical model controls: layer-wise resampling, per-layer
// temperature, layer mixing and the KL heatmap.

#include <QJsonObject>
#include <QWidget>

#include <memory>

#include "core/data/dataset.h"
#include "core/model/latent_stats.h"
#include "core/model/layer_groups.h"
#include "core/model/model.h"

class QComboBox;
class QHBoxLayout;
class QLabel;
class QSlider;
class QSpinBox;
class QTabWidget;

namespace strata {

class ImageGrid;
class InferenceWorker;
class KlHeatmap;
class TemperatureControls;

class HierarchyView : public QWidget {
  Q_OBJECT

 public:
  HierarchyView(InferenceWorker* worker, QWidget* parent = nullptr);

  void setModel(ModelPtr model);
  void setDataset(DatasetPtr dataset);
  void setStats(std::shared_ptr<const LatentStats> stats, const QString& source);
  bool showPage(const QString& name);  // "resampling", "temperature", "mixing", "kl"

  ImageGrid* resamplingGrid() const { return resampling_; }
  ImageGrid* temperatureGrid() const { return temperatureGrid_; }
  ImageGrid* mixingGrid() const { return mixing_; }
  KlHeatmap* heatmap() const { return heatmap_; }
  TemperatureControls* temperatures() const { return temperatures_; }
  // Resampling with one level: the top k layers kept (k from 0 to L); -1: the default levels.
  void setResamplingLevel(int k);
  void refresh();
  // The recipe of the layer-wise resampling grid, without dataset and style; empty if none.
  QJsonObject figureRecipe() const;

 Q_SIGNALS:
  void unitActivated(int layer, int unit);
  void unitInspectRequested(int layer, int unit);
  void resamplingShown();
  void temperatureShown();
  void mixingShown();
  // The export button of a page: the page's recipe, rendered by the window's figure export.
  void figureExportRequested(const QJsonObject& recipe, const QString& suffix);

 private:
  void runResampling();
  void runTemperature();
  void runMixing();
  void rebuildLevels();
  std::vector<int> resamplingLevels() const;  // empty: levelsShown()
  void addExportButton(QHBoxLayout* controls, ImageGrid* grid);

  InferenceWorker* worker_;
  ModelPtr model_;
  DatasetPtr dataset_;
  QTabWidget* pages_ = nullptr;
  QSpinBox* inputs_ = nullptr;
  QSpinBox* inputOffset_ = nullptr;
  QSpinBox* samples_ = nullptr;
  QSpinBox* resamplingSeed_ = nullptr;
  QComboBox* levelMode_ = nullptr;  // the default levels, or one k from the slider
  QSlider* level_ = nullptr;
  QLabel* levelName_ = nullptr;
  ImageGrid* resampling_ = nullptr;
  TemperatureControls* temperatures_ = nullptr;
  QSpinBox* temperatureSeed_ = nullptr;
  ImageGrid* temperatureGrid_ = nullptr;
  QSpinBox* mixA_ = nullptr;
  QSpinBox* mixB_ = nullptr;
  ImageGrid* mixing_ = nullptr;
  KlHeatmap* heatmap_ = nullptr;
  QLabel* unavailable_ = nullptr;
};

}  // namespace strata
