#include "core/workspace/workspace_loader.h"

#include <QFileInfo>

#include "core/analysis/comparison.h"
#include "core/analysis/embedding_file.h"
#include "core/base/job_runner.h"
#include "core/data/dataset_source.h"
#include "core/model/encoding.h"
#include "core/model/latent_stats.h"
#include "core/workspace/workspace.h"

namespace strata {
namespace {

struct OpenedDataset {
  DatasetPtr dataset;
  ProjectionRequest request;
  ProjectionResult map;
  std::shared_ptr<const Encoding> embedding;
};

OpenedDataset openWithFirstMap(const QString& spec, const EncodingCache& cache,
                               const JobControl& job) {
  OpenedDataset o;
  if (spec.startsWith(QStringLiteral("embedding:"))) {
    const EmbeddingFile file = loadEmbeddingFile(spec.mid(10), job.range(0.0, 0.5));
    o.dataset = file.dataset;
    o.embedding = file.vectors;
    o.request.source = ProjectionRequest::kEmbedding;
    o.map = file.coordinates
                ? coordinatesMap(file)
                : computeProjection(*o.dataset, nullptr, cache, o.request, job, file.vectors);
    return o;
  }
  o.dataset = openDataset(spec);
  o.map = computeProjection(*o.dataset, nullptr, cache, o.request, job);
  return o;
}

}  // namespace

WorkspaceLoader::WorkspaceLoader(Workspace* workspace, QObject* parent)
    : QObject(parent),
      workspace_(workspace),
      cache_(std::make_unique<EncodingCache>(QString())),
      datasetJobs_(new JobRunner(this)),
      mapJobs_(new JobRunner(this)),
      modelJobs_(new JobRunner(this)),
      statsJobs_(new JobRunner(this)) {
  auto forward = [this](JobRunner* runner, auto signal) {
    connect(runner, &JobRunner::failed, this,
            [this, signal](quint64, const QString& title, const QString& message) {
              Q_EMIT(this->*signal)(title, message);
            });
  };
  forward(datasetJobs_, &WorkspaceLoader::datasetFailed);
  forward(mapJobs_, &WorkspaceLoader::datasetFailed);
  forward(modelJobs_, &WorkspaceLoader::modelRejected);
  forward(statsJobs_, &WorkspaceLoader::statsFailed);
  connect(workspace_, &Workspace::datasetChanged, this, &WorkspaceLoader::computeStats);
  connect(workspace_, &Workspace::modelChanged, this, &WorkspaceLoader::computeStats);
}

WorkspaceLoader::~WorkspaceLoader() = default;

QList<JobRunner*> WorkspaceLoader::jobRunners() const {
  return {datasetJobs_, mapJobs_, modelJobs_, statsJobs_};
}

void WorkspaceLoader::cancelAll() {
  for (JobRunner* runner : jobRunners()) runner->cancel();
}

void WorkspaceLoader::openDataset(const QString& spec) {
  const QString title = tr("Opening %1 and projecting it with PCA").arg(describeDatasetSpec(spec));
  const EncodingCache cache = *cache_;
  // A map still being computed belongs to the dataset this replaces.
  mapJobs_->cancel();
  datasetJobs_->start<OpenedDataset>(
      title, [spec, cache](const JobControl& job) { return openWithFirstMap(spec, cache, job); },
      [this, spec](const OpenedDataset& o) {
        workspace_->setDataset(o.dataset, spec, o.embedding);
        workspace_->setMap(o.request, o.map);
      });
}

void WorkspaceLoader::openModel(const QString& path) {
  modelJobs_->start<ModelPtr>(
      tr("Opening %1").arg(QFileInfo(path).fileName()),
      [path](const JobControl&) -> ModelPtr { return Model::load(path); },
      [this](const ModelPtr& model) {
        workspace_->setModel(model);
        // The first model opened leads the comparison, whenever its load finishes.
        if (!comparisonSeeded_) workspace_->addComparedModel(model, 0);
        comparisonSeeded_ = true;
      });
}

void WorkspaceLoader::projectMap(const ProjectionRequest& request) {
  const DatasetPtr dataset = workspace_->dataset();
  if (!dataset) return;
  const ModelPtr model = workspace_->model();
  const EncodingCache cache = *cache_;
  const auto embedding = workspace_->embedding();
  mapJobs_->start<ProjectionResult>(
      tr("Computing the %1 map").arg(methodName(request.method)),
      [=](const JobControl& job) {
        return computeProjection(*dataset, model.get(), cache, request, job, embedding);
      },
      [this, dataset, request](const ProjectionResult& map) {
        if (dataset != workspace_->dataset()) return;  // a newer dataset opened meanwhile
        workspace_->setMap(request, map);
      });
}

void WorkspaceLoader::computeStats() {
  if (!workspace_->canEncodeDataset()) {
    statsJobs_->cancel();
    return;
  }
  const ModelPtr model = workspace_->model();
  const DatasetPtr dataset = workspace_->dataset();
  const std::vector<int64_t> items = latentStatsItems(dataset->size());
  const QString source =
      int64_t(items.size()) < dataset->size()
          ? tr("%1 (%2 items spread over the set)").arg(dataset->name()).arg(items.size())
          : dataset->name();
  statsJobs_->start<std::shared_ptr<const LatentStats>>(
      tr("Latent statistics of %1 on %2").arg(model->info().name, dataset->name()),
      [=](const JobControl& job) -> std::shared_ptr<const LatentStats> {
        return std::make_shared<LatentStats>(computeLatentStats(*model, *dataset, items, job));
      },
      [this, source](const std::shared_ptr<const LatentStats>& stats) {
        // A newer dataset or model restarted this runner, so an outdated result never arrives.
        workspace_->setStats(stats, source);
      });
}

void WorkspaceLoader::addComparedModel(const QString& path, int position) {
  // One runner per load: several models may be loading at once, and none is stale.
  auto* runner = new JobRunner(this);
  Q_EMIT jobRunnerAdded(runner);
  connect(runner, &JobRunner::failed, this,
          [this, runner](quint64, const QString& title, const QString& message) {
            runner->deleteLater();
            Q_EMIT comparedModelRejected(title, message);
          });
  runner->start<ModelPtr>(
      tr("Opening %1 for comparison").arg(QFileInfo(path).fileName()),
      [path](const JobControl&) -> ModelPtr { return Model::load(path); },
      [this, runner, position](const ModelPtr& model) {
        runner->deleteLater();
        QString why;
        switch (workspace_->addComparedModel(model, position)) {
          case Workspace::AddResult::Added:
            break;
          case Workspace::AddResult::Full:
            why = tr("The comparison already has %1 models").arg(kMaxComparedModels);
            break;
          case Workspace::AddResult::AlreadyCompared:
            why = tr("%1 is already in the comparison").arg(model->info().name);
            break;
        }
        Q_EMIT comparedModelLoaded(why);
      });
}

void WorkspaceLoader::restoreComparison(const QStringList& paths) {
  workspace_->clearComparedModels();
  comparisonSeeded_ = true;  // the session says which models are compared, main model or not
  for (int i = 0; i < paths.size(); ++i) addComparedModel(paths[i], i);
}

}  // namespace strata
