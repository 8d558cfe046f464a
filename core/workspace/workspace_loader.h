#pragma once
// Fills the workspace: opens datasets and models, computes maps and the latent statistics on
// Strata's job pool, and puts each result into the Workspace on the GUI thread. Statistics are
// recomputed by themselves whenever the dataset or the model changes. Failures arrive as signals
// naming the job; nothing in the workspace changes on a failure.

#include <QList>
#include <QObject>
#include <QString>
#include <QStringList>

#include <memory>

#include "core/analysis/projection.h"
#include "core/base/job_runner.h"

namespace strata {

class EncodingCache;
class Workspace;

class WorkspaceLoader : public QObject {
  Q_OBJECT

 public:
  explicit WorkspaceLoader(Workspace* workspace, QObject* parent = nullptr);
  ~WorkspaceLoader() override;

  // Opens a dataset (see dataset_source.h; "embedding:PATH" for an embedding file) and shows
  // its PCA map (or the embedding's coordinates).
  void openDataset(const QString& spec);
  // Loads and validates a model; a broken model changes nothing and emits modelRejected.
  void openModel(const QString& path);
  // Computes the map `request` describes for the open dataset and model.
  void projectMap(const ProjectionRequest& request);
  // Loads a model and adds it as a column of the comparison (-1: last).
  void addComparedModel(const QString& path, int position = -1);
  // Replaces the compared models with these, in this order.
  void restoreComparison(const QStringList& paths);
  // Stops every running job (their results are dropped).
  void cancelAll();

  // The runners whose progress the status bar follows (compare loads announce theirs through
  // jobRunnerAdded).
  QList<JobRunner*> jobRunners() const;

 Q_SIGNALS:
  void jobRunnerAdded(JobRunner* runner);
  void datasetFailed(const QString& title, const QString& message);
  void modelRejected(const QString& title, const QString& report);
  void comparedModelRejected(const QString& title, const QString& report);
  // A compared model finished loading (added, or not added with `why` set).
  void comparedModelLoaded(const QString& why);
  void statsFailed(const QString& title, const QString& message);

 private:
  void computeStats();

  Workspace* workspace_;
  std::unique_ptr<EncodingCache> cache_;
  JobRunner* datasetJobs_;
  JobRunner* mapJobs_;
  JobRunner* modelJobs_;
  JobRunner* statsJobs_;
  bool comparisonSeeded_ = false;
};

}  // namespace strata
