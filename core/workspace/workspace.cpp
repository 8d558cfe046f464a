#include "core/workspace/workspace.h"

#include <algorithm>

#include "core/analysis/comparison.h"
#include "core/model/encoding.h"
#include "core/model/model_ops.h"

namespace strata {

Workspace::Workspace(QObject* parent) : QObject(parent) {}

Workspace::~Workspace() = default;

void Workspace::setDataset(DatasetPtr dataset, const QString& spec,
                           std::shared_ptr<const Encoding> embedding) {
  dataset_ = std::move(dataset);
  datasetSpec_ = spec;
  embedding_ = std::move(embedding);
  map_ = {};
  stats_.reset();
  statsSource_.clear();
  selection_.clear();
  currentItem_ = -1;
  pinned_ = false;
  pathStart_ = -1;
  path_ = {};
  Q_EMIT datasetChanged();
  Q_EMIT selectionChanged();
  Q_EMIT currentItemChanged();
}

void Workspace::setModel(ModelPtr model) {
  model_ = std::move(model);
  stats_.reset();
  statsSource_.clear();
  Q_EMIT modelChanged();
}

bool Workspace::canEncodeDataset() const {
  return model_ && dataset_ && canEncode(model_->info(), *dataset_);
}

Workspace::AddResult Workspace::addComparedModel(ModelPtr model, int position) {
  if (int(compared_.size()) >= kMaxComparedModels) return AddResult::Full;
  for (const ModelPtr& m : compared_)
    if (m->info().path == model->info().path) return AddResult::AlreadyCompared;
  if (position < 0 || position > int(compared_.size())) position = int(compared_.size());
  compared_.insert(compared_.begin() + position, model);
  Q_EMIT comparedModelAdded(model, position);
  return AddResult::Added;
}

void Workspace::removeComparedModel(int column) {
  if (column < 0 || column >= int(compared_.size())) return;
  compared_.erase(compared_.begin() + column);
  Q_EMIT comparedModelRemoved(column);
}

void Workspace::clearComparedModels() {
  compared_.clear();
  Q_EMIT comparedModelsCleared();
}

void Workspace::setMap(const ProjectionRequest& request, const ProjectionResult& map) {
  mapRequest_ = request;
  map_ = map;
  Q_EMIT mapChanged();
}

void Workspace::setColouring(const MapColouring& colouring) {
  if (colouring == colouring_) return;
  colouring_ = colouring;
  Q_EMIT colouringChanged();
}

void Workspace::setStats(std::shared_ptr<const LatentStats> stats, const QString& source) {
  stats_ = std::move(stats);
  statsSource_ = source;
  Q_EMIT statsChanged();
}

void Workspace::setSelection(std::vector<int> indices) {
  const int64_t n = dataset_ ? dataset_->size() : 0;
  indices.erase(
      std::remove_if(indices.begin(), indices.end(), [n](int i) { return i < 0 || i >= n; }),
      indices.end());
  if (indices == selection_) return;
  selection_ = std::move(indices);
  Q_EMIT selectionChanged();
}

void Workspace::hoverItem(int64_t index) {
  if (pinned_ || index == currentItem_) return;
  currentItem_ = index;
  Q_EMIT currentItemChanged();
}

void Workspace::pinItem(int64_t index) {
  pinned_ = index >= 0;
  currentItem_ = index;
  Q_EMIT currentItemChanged();
}

void Workspace::setPath(const LatentPath& path) {
  path_ = path;
  Q_EMIT pathChanged();
}

void Workspace::setDecodedSpot(const DecodedSpot& spot) {
  decodedSpot_ = spot;
  Q_EMIT decodedSpotChanged();
}

}  // namespace strata
