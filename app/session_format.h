#pragma once
// A session file's content (docs/sessions.md), checked field by field when read: a field of
// the wrong type or with a value Strata does not know is reported by name and replaced by its
// default, so a damaged or hand-edited session never leaves a control without a valid choice.

#include <QJsonObject>
#include <QString>
#include <QStringList>

#include <vector>

#include "core/analysis/projection.h"

namespace strata {

constexpr int kSessionVersion = 1;

struct Session {
  bool clean = false;  // saved on purpose or at a normal close, not autosaved
  QString dataset;     // "" opens the remembered (or default) dataset
  QString model;       // "" opens the remembered (or default) model
  QStringList compare;
  QString view = QStringLiteral("map");
  int mapSource = ProjectionRequest::kPixels;  // or kAllLayers, kEmbedding, a layer index
  ProjectionMethod mapMethod = ProjectionMethod::Pca;
  qint64 mapSeed = 0;
  // A UMAP's neighbour graph; sessions saved before the choice existed had thorough graphs.
  KnnEffort mapGraph = KnnEffort::Thorough;
  std::vector<int> selection;
};

// Reads `json` (from `path`, for messages). Throws DataError if it is no Strata session at all
// (no "strata_session" version); every other problem goes to `problems` as one line naming the
// field, the value found and the default used instead.
Session parseSession(const QJsonObject& json, const QString& path, QStringList* problems);
QJsonObject sessionToJson(const Session& session);

}  // namespace strata
