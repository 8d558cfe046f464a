#pragma once
// What is open, in one place: the dataset, the primary and compared models, the current map
// (its request, coordinates and colouring), the latent statistics, the selection and the item
// under attention. Every change emits one signal; views subscribe to the signals they need and
// make their own requests, so no view reads another and the main window pushes nothing. Sessions
// are written from, and restored into, this object. Lives on the GUI thread.

#include <QObject>
#include <QString>

#include <cstdint>
#include <memory>
#include <vector>

#include "core/analysis/projection.h"
#include "core/data/dataset.h"
#include "core/model/latent_stats.h"
#include "core/model/model.h"

namespace strata {

struct Encoding;

// What colours the points of the map.
struct MapColouring {
  // PredictedClass and ClassEntropy: of a conditional model's q(y|x) (Encoding::classEntropy).
  enum Kind { Class, Kl, Reconstruction, Factor, Unit, PredictedClass, ClassEntropy } kind = Class;
  int index = 0;  // factor or unit index
  bool operator==(const MapColouring& o) const { return kind == o.kind && index == o.index; }
};

// A straight path between two items' latents, decoded (shown beside the item) and, where the
// map allows, placed on the map.
struct LatentPath {
  int64_t from = -1, to = -1;
  std::vector<float> images;  // decoded steps, [steps, c, h, w] in [0, 1]
  ItemShape shape;
  std::vector<float> xy;  // map positions [steps, 2]; empty when the map cannot place them
  QString caption;
};

// A spot of the map decoded into an image.
struct DecodedSpot {
  std::vector<float> image;  // [c, h, w] in [0, 1]
  ItemShape shape;
  QString caption;
};

class Workspace : public QObject {
  Q_OBJECT

 public:
  explicit Workspace(QObject* parent = nullptr);
  ~Workspace() override;

  // The dataset, the spec it was opened from (dataset_source.h) and, for embedding files, the
  // vectors read with it. Clears the map, statistics, selection and item.
  void setDataset(DatasetPtr dataset, const QString& spec,
                  std::shared_ptr<const Encoding> embedding = nullptr);
  DatasetPtr dataset() const { return dataset_; }
  QString datasetSpec() const { return datasetSpec_; }
  std::shared_ptr<const Encoding> embedding() const { return embedding_; }

  // The primary model. Clears the statistics (they belong to the old model).
  void setModel(ModelPtr model);
  ModelPtr model() const { return model_; }
  // A model is open that can encode the open dataset's items.
  bool canEncodeDataset() const;

  // Models of the comparison, in column order (at most kMaxComparedModels).
  enum class AddResult { Added, AlreadyCompared, Full };
  AddResult addComparedModel(ModelPtr model, int position = -1);
  void removeComparedModel(int column);
  void clearComparedModels();
  const std::vector<ModelPtr>& comparedModels() const { return compared_; }

  // The map shown and the request that made it.
  void setMap(const ProjectionRequest& request, const ProjectionResult& map);
  const ProjectionRequest& mapRequest() const { return mapRequest_; }
  const ProjectionResult& map() const { return map_; }
  bool hasMap() const { return !map_.coords.empty(); }

  void setColouring(const MapColouring& colouring);
  MapColouring colouring() const { return colouring_; }

  // Latent statistics of the primary model on the dataset (`source` says on which items).
  void setStats(std::shared_ptr<const LatentStats> stats, const QString& source);
  std::shared_ptr<const LatentStats> stats() const { return stats_; }
  QString statsSource() const { return statsSource_; }

  // Indices into the dataset (a lasso or a restored session); out-of-range ones are dropped.
  void setSelection(std::vector<int> indices);
  const std::vector<int>& selection() const { return selection_; }

  // The item under the pointer, or the pinned (clicked) one; -1 for none. A hovered item does
  // not replace a pinned one.
  void hoverItem(int64_t index);
  void pinItem(int64_t index);
  int64_t currentItem() const { return currentItem_; }
  bool isItemPinned() const { return pinned_; }

  // Interpolation paths: the first item chosen waits for the second click.
  void setPathStart(int64_t index) { pathStart_ = index; }
  int64_t pathStart() const { return pathStart_; }
  void setPath(const LatentPath& path);
  const LatentPath& path() const { return path_; }

  void setDecodedSpot(const DecodedSpot& spot);
  const DecodedSpot& decodedSpot() const { return decodedSpot_; }

 Q_SIGNALS:
  void datasetChanged();
  void modelChanged();
  void comparedModelAdded(const ModelPtr& model, int position);
  void comparedModelRemoved(int column);
  void comparedModelsCleared();
  void mapChanged();
  void colouringChanged();
  void statsChanged();
  void selectionChanged();
  void currentItemChanged();
  void pathChanged();
  void decodedSpotChanged();

 private:
  DatasetPtr dataset_;
  QString datasetSpec_;
  std::shared_ptr<const Encoding> embedding_;
  ModelPtr model_;
  std::vector<ModelPtr> compared_;
  ProjectionRequest mapRequest_;
  ProjectionResult map_;
  MapColouring colouring_;
  std::shared_ptr<const LatentStats> stats_;
  QString statsSource_;
  std::vector<int> selection_;
  int64_t currentItem_ = -1;
  bool pinned_ = false;
  int64_t pathStart_ = -1;
  LatentPath path_;
  DecodedSpot decodedSpot_;
};

}  // namespace strata
