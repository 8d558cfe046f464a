#pragma once
// The map's controls: what to project (pixels or a model's latents), how (PCA, t-SNE, UMAP
// and their parameters, seed), and what colours the points.

#include <QWidget>

#include "core/analysis/projection.h"
#include "core/data/dataset.h"
#include "core/model/model.h"
#include "core/workspace/workspace.h"

class QComboBox;
class QDoubleSpinBox;
class QPushButton;
class QSpinBox;

namespace strata {

// What colours the points: the workspace's choice, named here as the controls offer it.
using ColorChoice = MapColouring;

class MapControls : public QWidget {
  Q_OBJECT

 public:
  explicit MapControls(QWidget* parent = nullptr);
  // Offers the model's layers as sources (when it can encode the dataset) and the dataset's
  // factors as colours.
  void setContext(const ModelInfo* model, const Dataset* dataset, bool embedding = false);
  ProjectionRequest request() const;
  ColorChoice colorChoice() const;
  void setSource(int source);
  void setMethod(ProjectionMethod method);
  void setGraphEffort(KnnEffort effort);
  // Latent colour modes need an encoding; they are offered once one exists.
  // `classes`: the map's model has a classifier q(y|x), whose predicted class and entropy can
  // colour the points too.
  // `available`: colours by latent unit; `modelTerms`: by KL and reconstruction error too (an
  // encoding by a model, not vectors from a file); `classes`: by q(y|x)'s class and entropy.
  void setLatentColoursAvailable(bool available, int units, bool classes = false,
                                 bool modelTerms = true);

 Q_SIGNALS:
  void projectRequested();
  void colorChanged();

 private:
  void updateVisibility();

  QComboBox* source_ = nullptr;
  QComboBox* samples_ = nullptr;
  QComboBox* method_ = nullptr;
  QDoubleSpinBox* perplexity_ = nullptr;
  QSpinBox* neighbours_ = nullptr;
  QDoubleSpinBox* minDistance_ = nullptr;
  QComboBox* graph_ = nullptr;  // how hard UMAP's neighbour graph is searched (KnnEffort)
  QSpinBox* seed_ = nullptr;
  QPushButton* project_ = nullptr;
  QComboBox* color_ = nullptr;
  QSpinBox* unit_ = nullptr;
  QStringList factors_;
};

}  // namespace strata
