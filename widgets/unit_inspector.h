#pragma once
// The unit inspector: everything about one latent unit on one page (docs/metrics.md, "Unit
// inspector"). The distribution of its posterior means with the share beyond its own noise,
// the items where it is highest, lowest and at seven quantiles, a traversal of the decoder
// from the median item, the units most correlated with it in mean and in sampled codes, its
// mutual information with each factor, and, from the metrics table, its KL, relevance and
// class. Computed on a worker; a newer request drops the older one's result.

#include <QJsonObject>
#include <QWidget>

#include <memory>

#include "core/analysis/model_metrics.h"
#include "core/analysis/unit_profile.h"
#include "core/data/dataset.h"
#include "core/model/model.h"

class QLabel;
class QPushButton;

namespace strata {

class ImageGrid;
class JobRunner;
class LineChart;

class UnitInspector : public QWidget {
  Q_OBJECT

 public:
  explicit UnitInspector(QWidget* parent = nullptr);
  // Profiles `unit` of `layer` on the items of `metrics`' options (its other numbers are shown
  // beside the profile).
  void inspect(std::shared_ptr<const Model> model, DatasetPtr dataset, const ModelMetrics& metrics,
               int layer, int unit);
  // Forgets the unit shown and the codes kept for it: the model or dataset it came from is
  // no longer open.
  void clear();
  JobRunner* jobRunner() const { return jobs_; }
  const UnitProfile* profile() const { return profile_.get(); }
  // The figure of the unit shown (docs/recipes.md, "unit"), without dataset and style; empty
  // until a profile is shown.
  QJsonObject figureRecipe() const { return recipe_; }

 Q_SIGNALS:
  void profileShown();
  // A thumbnail was clicked: that dataset item, for the window to pin in its item panel.
  void itemChosen(int64_t item);
  // The export button: the recipe, for the window's figure export.
  void figureExportRequested(const QJsonObject& recipe, const QString& suffix);

 private:
  void display(std::shared_ptr<const Model> model, DatasetPtr dataset, const ModelMetrics& metrics,
               UnitProfile profile, std::vector<float> traversal, std::vector<double> values);
  QString metricsText(const ModelMetrics& metrics) const;

  // The codes of the last model, dataset and items profiled, so that opening another unit of
  // the same model does not encode the items again. The items are drawn on the worker; the
  // key holds what determines them. It owns the model and dataset: a model opened later at a
  // freed one's address must not match.
  struct CodesKey {
    std::shared_ptr<const Model> model;
    DatasetPtr dataset;
    int64_t itemCount = 0;
    std::vector<int64_t> explicitItems;
    uint64_t seed = 0;
    bool operator==(const CodesKey& o) const {
      return model == o.model && dataset == o.dataset && itemCount == o.itemCount &&
             explicitItems == o.explicitItems && seed == o.seed;
    }
  };
  CodesKey codesKey_;
  std::shared_ptr<const PosteriorCodes> codes_;
  JobRunner* jobs_ = nullptr;
  std::unique_ptr<UnitProfile> profile_;
  QLabel* title_ = nullptr;
  QLabel* facts_ = nullptr;
  LineChart* histogram_ = nullptr;
  ImageGrid* extremes_ = nullptr;
  ImageGrid* quantiles_ = nullptr;
  ImageGrid* traversal_ = nullptr;
  QLabel* neighbours_ = nullptr;
  QPushButton* exportButton_ = nullptr;
  QJsonObject recipe_;
};

}  // namespace strata
