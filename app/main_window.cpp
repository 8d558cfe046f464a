#include "app/main_window.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QDir>
#include <QDockWidget>
#include <QFileDialog>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QKeySequence>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QProgressBar>
#include <QSettings>
#include <QStatusBar>
#include <QTabWidget>
#include <QToolBar>
#include <QToolButton>
#include <QVBoxLayout>

#include "app/export_figure_action.h"
#include "app/open_dataset_action.h"
#include "app/open_model_action.h"
#include "app/session.h"
#include "app/view_names.h"
#include "core/analysis/projection.h"
#include "core/base/inference_worker.h"
#include "core/base/job_runner.h"
#include "core/base/resources.h"
#include "core/data/dataset_source.h"
#include "core/data/image_convert.h"
#include "core/figures/recipe.h"
#include "core/model/encoding.h"
#include "core/model/latent_stats.h"
#include "core/model/model_ops.h"
#include "core/numeric/pca.h"
#include "widgets/compare_view.h"
#include "widgets/hierarchy_view.h"
#include "widgets/image_grid.h"
#include "widgets/item_panel.h"
#include "widgets/map_controls.h"
#include "widgets/model_panel.h"
#include "widgets/reconstruction_view.h"
#include "widgets/scatter_view.h"
#include "widgets/selection_panel.h"
#include "widgets/traverse_view.h"

namespace strata {
namespace {

constexpr int kReconstructionCount = 32;
constexpr int kSampleCount = 64;

QJsonObject readCard(const QString& modelPath) {
  const QString path = modelCardPath(modelPath);
  QFile file(path);
  if (path.isEmpty() || !file.open(QIODevice::ReadOnly)) return {};
  return QJsonDocument::fromJson(file.readAll()).object();
}

}  // namespace

struct MainWindow::OpenedDataset {
  DatasetPtr dataset;
  QString spec;
  ProjectionResult map;
  std::shared_ptr<const Encoding> embedding;
};

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent) {
  setWindowTitle(QStringLiteral("Strata"));
  setAcceptDrops(true);
  tabs_ = new QTabWidget(this);
  auto* mapPage = new QWidget(tabs_);
  mapControls_ = new MapControls(mapPage);
  scatter_ = new ScatterView(mapPage);
  auto* mapLayout = new QVBoxLayout(mapPage);
  mapLayout->setContentsMargins(0, 0, 0, 0);
  mapLayout->setSpacing(0);
  mapLayout->addWidget(mapControls_);
  mapLayout->addWidget(scatter_, 1);
  reconstructions_ = new ReconstructionView(tabs_);
  tabs_->addTab(mapPage, tr("Map"));
  tabs_->addTab(reconstructions_, tr("Reconstructions && Samples"));
  setCentralWidget(tabs_);

  itemPanel_ = new ItemPanel(this);
  auto* itemDock = new QDockWidget(tr("Item"), this);
  itemDock->setObjectName(QStringLiteral("itemDock"));
  itemDock->setWidget(itemPanel_);
  itemDock->setMinimumWidth(240);
  addDockWidget(Qt::RightDockWidgetArea, itemDock);

  modelPanel_ = new ModelPanel(this);
  auto* modelDock = new QDockWidget(tr("Model"), this);
  modelDock->setObjectName(QStringLiteral("modelDock"));
  modelDock->setWidget(modelPanel_);
  modelDock->setMinimumWidth(280);
  addDockWidget(Qt::RightDockWidgetArea, modelDock);
  tabifyDockWidget(itemDock, modelDock);

  selectionPanel_ = new SelectionPanel(this);
  auto* selectionDock = new QDockWidget(tr("Selection"), this);
  selectionDock->setObjectName(QStringLiteral("selectionDock"));
  selectionDock->setWidget(selectionPanel_);
  addDockWidget(Qt::RightDockWidgetArea, selectionDock);
  tabifyDockWidget(modelDock, selectionDock);
  itemDock->raise();

  jobs_ = new JobRunner(this);
  modelJobs_ = new JobRunner(this);
  statsJobs_ = new JobRunner(this);
  inference_ = new InferenceWorker(this);
  traverse_ = new TraverseView(inference_, tabs_);
  hierarchy_ = new HierarchyView(inference_, tabs_);
  tabs_->addTab(traverse_, tr("Traverse"));
  tabs_->addTab(hierarchy_, tr("Hierarchy"));
  compare_ = new CompareView(tabs_);
  tabs_->addTab(compare_, tr("Compare"));
  connect(compare_, &CompareView::addModelRequested, this, &MainWindow::chooseCompareModel);
  connect(compare_, &CompareView::exportRequested, this, &MainWindow::exportCompareMetrics);
  connect(compare_, &CompareView::failed, this,
          [this](const QString& title, const QString& message) {
            statusBar()->showMessage(tr("%1 failed: %2").arg(title, message));
          });
  connect(traverse_, &TraverseView::statusMessage, this,
          [this](const QString& m) { statusBar()->showMessage(m, 8000); });
  connect(hierarchy_, &HierarchyView::unitActivated, this, [this](int layer, int unit) {
    showView("traverse");
    traverse_->focusUnit(layer, unit);
  });
  connect(itemPanel_, &ItemPanel::traverseRequested, this, [this](int64_t index) {
    showView("traverse");
    traverse_->startFromItem(index);
  });
  buildStatusBar();
  connect(inference_, &InferenceWorker::failed, this,
          [this](const QString&, const QString& message) {
            reconstructions_->showUnavailable(message, message);
            statusBar()->showMessage(tr("Model computation failed: %1").arg(message));
          });

  cache_ = std::make_unique<EncodingCache>(QString());
  connect(mapControls_, &MapControls::projectRequested, this, &MainWindow::projectMap);
  connect(mapControls_, &MapControls::colorChanged, this, &MainWindow::applyColours);
  connect(scatter_, &ScatterView::selectionChanged, this,
          [this, selectionDock](const std::vector<int>& indices) {
            selectionPanel_->setSelection(indices);
            selectionDock->raise();
          });
  connect(selectionPanel_, &SelectionPanel::cleared, this, [this] { scatter_->setSelection({}); });
  connect(selectionPanel_, &SelectionPanel::itemClicked, this, [this](int64_t index) {
    pinned_ = true;
    scatter_->setHighlighted(int(index));
    showItem(index, true);
  });
  connect(scatter_, &ScatterView::backgroundClicked, this, [this](const QPointF& world) {
    if (!map_.latentPca) return;
    if (model_ && map_.source >= 0 && model_->info().layers.size() > 1) {
      statusBar()->showMessage(tr("Decoding a spot of the map needs the PCA map of all layers"),
                               6000);
      return;
    }
    decodeMapPoint(world);
  });
  connect(itemPanel_, &ItemPanel::pathRequested, this, [this](int64_t index) {
    pathStart_ = index;
    statusBar()->showMessage(
        tr("Click another point to draw the interpolation from #%1").arg(index), 10000);
  });
  connect(scatter_, &ScatterView::pointHovered, this, &MainWindow::onPointHovered);
  connect(scatter_, &ScatterView::pointClicked, this, &MainWindow::onPointClicked);
  connect(reconstructions_, &ReconstructionView::refreshRequested, this,
          &MainWindow::refreshModelViews);
  buildActions();

  QSettings settings;
  if (!restoreGeometry(settings.value("window/geometry").toByteArray())) resize(1400, 860);
  restoreState(settings.value("window/state").toByteArray());
  tabs_->setCurrentIndex(settings.value("window/tab", 0).toInt());
}

MainWindow::~MainWindow() = default;

void MainWindow::buildStatusBar() {
  progress_ = new QProgressBar(this);
  progress_->setRange(0, 1000);
  progress_->setMaximumWidth(220);
  progress_->setTextVisible(false);
  progress_->hide();
  cancelButton_ = new QToolButton(this);
  cancelButton_->setText(tr("Cancel"));
  cancelButton_->hide();
  statusBar()->addPermanentWidget(progress_);
  statusBar()->addPermanentWidget(cancelButton_);
  // Several runners can work at once; the bar follows the newest running job and disappears
  // only when none is left.
  for (JobRunner* runner : {jobs_, modelJobs_, statsJobs_}) trackJobs(runner);
  for (JobRunner* runner : compare_->jobRunners()) trackJobs(runner);
  connect(statsJobs_, &JobRunner::failed, this,
          [this](quint64, const QString& title, const QString& message) {
            statusBar()->showMessage(tr("%1 failed: %2").arg(title, message));
          });
  connect(jobs_, &JobRunner::failed, this,
          [this](quint64, const QString& title, const QString& message) {
            statusBar()->showMessage(tr("%1 failed").arg(title));
            Q_EMIT jobFailed(title, message);
            QMessageBox::warning(this, title, message);
          });
  connect(modelJobs_, &JobRunner::failed, this,
          [this](quint64, const QString& title, const QString& message) {
            statusBar()->showMessage(tr("The model was not opened"), 8000);
            Q_EMIT modelRejected(message);
            QMessageBox box(QMessageBox::Warning, title,
                            tr("This file does not follow the Strata model contract. Nothing "
                               "was changed.\n\nSee Details for every problem found."),
                            QMessageBox::Ok, this);
            box.setDetailedText(message);
            box.exec();
          });
}

void MainWindow::trackJobs(JobRunner* runner) {
  connect(cancelButton_, &QToolButton::clicked, runner, &JobRunner::cancel);
  connect(runner, &JobRunner::started, this, [this, runner](quint64, const QString& title) {
    runningJobs_.removeAll(runner);
    runningJobs_.append(runner);
    runningTitles_[runner] = title;
    statusBar()->showMessage(title + QStringLiteral("…"));
    progress_->setValue(0);
    progress_->show();
    cancelButton_->show();
  });
  connect(runner, &JobRunner::progressed, this, [this, runner](quint64, double f) {
    if (!runningJobs_.isEmpty() && runningJobs_.last() == runner)
      progress_->setValue(int(f * 1000));
  });
  connect(runner, &JobRunner::finished, this, [this, runner](quint64) {
    runningJobs_.removeAll(runner);
    if (runningJobs_.isEmpty()) {
      progress_->hide();
      cancelButton_->hide();
      statusBar()->clearMessage();  // results set their own messages after this
    } else {
      statusBar()->showMessage(runningTitles_.value(runningJobs_.last()) + QStringLiteral("…"));
    }
  });
  connect(runner, &JobRunner::cancelledJob, this, [this](quint64, const QString& title) {
    statusBar()->showMessage(tr("%1: cancelled").arg(title), 5000);
  });
}

void MainWindow::buildActions() {
  QMenu* file = menuBar()->addMenu(tr("&File"));
  auto* openDataset = new OpenDatasetAction(this);
  connect(openDataset, &OpenDatasetAction::datasetChosen, this, &MainWindow::openDatasetSpec);
  auto* openModelAction = new OpenModelAction(this);
  connect(openModelAction, &OpenModelAction::modelChosen, this, &MainWindow::openModel);
  recentModels_ = new RecentModelsMenu(this);
  connect(recentModels_, &RecentModelsMenu::modelChosen, this, &MainWindow::openModel);
  file->addAction(openDataset);
  file->addAction(openModelAction);
  file->addMenu(recentModels_);
  exportFigure_ = new ExportFigureAction(this, [this](QString* why) { return currentRecipe(why); });
  trackJobs(exportFigure_->jobs());
  connect(exportFigure_, &ExportFigureAction::message, this,
          [this](const QString& text) { statusBar()->showMessage(text, 8000); });
  file->addSeparator();
  file->addAction(exportFigure_);
  file->addSeparator();
  QAction* saveSessionAction = file->addAction(tr("&Save Session…"), this, [this] {
    const QString path = QFileDialog::getSaveFileName(this, tr("Save session"),
                                                      QStringLiteral("session.strata.json"),
                                                      tr("Strata sessions (*.json)"));
    if (path.isEmpty()) return;
    try {
      Session session = captureSession(*this);
      session.clean = true;
      writeSession(path, session);
      statusBar()->showMessage(tr("Saved the session to %1").arg(path), 6000);
    } catch (const Error& e) {
      QMessageBox::warning(this, tr("Save session"), QString::fromStdString(e.what()));
    }
  });
  saveSessionAction->setShortcut(QKeySequence::Save);
  file->addAction(tr("Open S&ession…"), this, [this] {
    const QString path = QFileDialog::getOpenFileName(this, tr("Open session"), QString(),
                                                      tr("Strata sessions (*.json)"));
    if (path.isEmpty()) return;
    QStringList problems;
    const bool opened = openSession(*this, path, &problems);
    if (!opened)
      QMessageBox::warning(this, tr("Open session"), problems.value(0));
    else if (!problems.isEmpty())
      QMessageBox::warning(this, tr("Open session"),
                           tr("Restored what could be restored:\n%1").arg(problems.join('\n')));
  });
  file->addSeparator();
  QAction* quit = file->addAction(tr("&Quit"), this, &QWidget::close);
  quit->setShortcut(QKeySequence::Quit);

  QMenu* view = menuBar()->addMenu(tr("&View"));
  threeDAction_ = view->addAction(tr("&3-D"));
  threeDAction_->setCheckable(true);
  threeDAction_->setShortcut(Qt::Key_3);
  threeDAction_->setToolTip(tr("Show three principal components and allow rotation"));
  connect(threeDAction_, &QAction::toggled, this, &MainWindow::applyDimensions);
  QAction* reset = view->addAction(tr("&Reset Camera"), scatter_, &ScatterView::resetCamera);
  reset->setShortcut(Qt::Key_R);

  QToolBar* tools = addToolBar(tr("Main"));
  tools->setObjectName(QStringLiteral("mainToolBar"));
  tools->addAction(openDataset);
  tools->addAction(openModelAction);
  tools->addSeparator();
  tools->addAction(threeDAction_);
  tools->addAction(reset);
}

bool MainWindow::showView(const QString& name) {
  const int index = viewNames().indexOf(name.toLower());
  if (index < 0) return false;
  tabs_->setCurrentIndex(index);
  return true;
}

void MainWindow::openStartup(const QString& dataset, const QString& model) {
  QSettings settings;
  QString spec =
      dataset.isEmpty() ? settings.value("data/last", defaultDatasetSpec()).toString() : dataset;
  QString modelPath = model;
  if (modelPath.isEmpty()) modelPath = settings.value("models/last").toString();
  if (modelPath.isEmpty() || !QFileInfo(modelPath).isFile())
    modelPath = bundledModelPath("fashion_lvae.pt");
  openDatasetSpec(spec);
  if (QFileInfo(modelPath).isFile()) openModel(modelPath);
}

void MainWindow::openDatasetSpec(const QString& spec) {
  const QString title = tr("Opening %1 and projecting it with PCA").arg(describeDatasetSpec(spec));
  const EncodingCache cache = *cache_;
  jobs_->start<OpenedDataset>(
      title,
      [spec, cache](const JobControl& job) {
        OpenedDataset o;
        o.spec = spec;
        if (spec.startsWith(QStringLiteral("embedding:"))) {
          const EmbeddingFile file = loadEmbeddingFile(spec.mid(10));
          o.dataset = file.dataset;
          o.embedding = file.vectors;
          ProjectionRequest request;
          request.source = ProjectionRequest::kEmbedding;
          o.map = file.coordinates
                      ? coordinatesMap(file)
                      : computeProjection(*o.dataset, nullptr, cache, request, job, file.vectors);
          return o;
        }
        o.dataset = openDataset(spec);
        o.map = computeProjection(*o.dataset, nullptr, cache, ProjectionRequest{}, job);
        return o;
      },
      [this](const OpenedDataset& o) { showDataset(o); });
}

void MainWindow::showDataset(const OpenedDataset& opened) {
  dataset_ = opened.dataset;
  compare_->setDataset(dataset_);
  datasetSpec_ = opened.spec;
  QSettings().setValue("data/last", datasetSpec_);
  pinned_ = false;
  itemPanel_->setDataset(dataset_);
  selectionPanel_->setDataset(dataset_);
  setWindowTitle(tr("Strata — %1").arg(dataset_->name()));
  embedding_ = opened.embedding;
  mapControls_->setContext(model_ ? &model_->info() : nullptr, dataset_.get(),
                           embedding_ != nullptr);
  mapControls_->setSource(embedding_ ? ProjectionRequest::kEmbedding : ProjectionRequest::kPixels);
  showMap(opened.map);
  Q_EMIT projectionShown();
  traverse_->setDataset(dataset_);
  hierarchy_->setDataset(dataset_);
  refreshReconstructions();
  computeStats();
}

void MainWindow::projectMap() {
  if (!dataset_) return;
  const DatasetPtr dataset = dataset_;
  const ModelPtr model = model_;
  ProjectionRequest request = mapControls_->request();
  // With the 3-D view on, t-SNE lays the points out in three dimensions.
  if (threeDAction_->isChecked() && request.method == ProjectionMethod::Tsne)
    request.tsne.outputDims = 3;
  const EncodingCache cache = *cache_;
  const auto embedding = embedding_;
  jobs_->start<ProjectionResult>(
      tr("Computing the %1 map").arg(methodName(request.method)),
      [=](const JobControl& job) {
        return computeProjection(*dataset, model.get(), cache, request, job, embedding);
      },
      [this, dataset](const ProjectionResult& r) {
        if (dataset != dataset_) return;
        showMap(r);
        Q_EMIT projectionShown();
      });
}

void MainWindow::showMap(const ProjectionResult& map) {
  map_ = map;
  threeDAction_->setEnabled(map_.dims == 3);
  if (map_.dims < 3 && threeDAction_->isChecked()) {
    const QSignalBlocker block(threeDAction_);
    threeDAction_->setChecked(false);
  }
  mapControls_->setLatentColoursAvailable(map_.encoding != nullptr,
                                          map_.encoding ? map_.encoding->dims : 0);
  applyDimensions();
  QString message =
      tr("%1: %2 items; %3").arg(dataset_->name()).arg(dataset_->size()).arg(map_.description);
  if (map_.encoding)
    message += map_.encodingFromCache ? tr(" (encoding from cache)") : tr(" (encoded and cached)");
  statusBar()->showMessage(message);
}

void MainWindow::applyDimensions() {
  if (!dataset_ || map_.coords.empty()) return;
  const bool threeD = threeDAction_->isChecked() && map_.dims == 3;
  if (threeDAction_->isChecked() && map_.dims == 2)
    statusBar()->showMessage(
        tr("This layout is 2-D: press Project with t-SNE for a 3-D layout (PCA maps have three "
           "components already)"),
        8000);
  scatter_->setMode(threeD ? ScatterView::Mode::ThreeD : ScatterView::Mode::TwoD);
  if (threeD) {
    scatter_->setPoints(map_.coords, 3);
  } else {
    std::vector<float> xy(map_.coords.size() / 3 * 2);
    for (size_t i = 0; i < map_.coords.size() / 3; ++i) {
      xy[2 * i] = map_.coords[3 * i];
      xy[2 * i + 1] = map_.coords[3 * i + 1];
    }
    scatter_->setPoints(xy, 2);
  }
  applyColours();
  QString caption = map_.description;
  if (!map_.varianceRatio.empty()) {
    QStringList axes;
    const QStringList names = {QStringLiteral("x"), QStringLiteral("y"), QStringLiteral("z")};
    for (size_t c = 0; c < map_.varianceRatio.size() && c < size_t(threeD ? 3 : 2); ++c)
      axes << tr("%1: PC%2 (%3%)")
                  .arg(names[int(c)])
                  .arg(c + 1)
                  .arg(map_.varianceRatio[c] * 100, 0, 'f', 1);
    caption += QStringLiteral("  —  ") + axes.join(QStringLiteral(", "));
  }
  scatter_->setCaption(caption);
}

void MainWindow::applyColours() {
  if (!dataset_ || map_.coords.empty()) return;
  const ColorChoice choice = mapControls_->colorChoice();
  const int64_t n = dataset_->size();
  auto scalars = [&](auto&& value, const QString& title) {
    std::vector<float> v(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) v[size_t(i)] = float(value(i));
    scatter_->setScalarColors(v, title);
  };
  const Encoding* e = map_.encoding.get();
  switch (choice.kind) {
    case ColorChoice::Factor:
      return scalars([&](int64_t i) { return dataset_->factor(i, choice.index); },
                     dataset_->factorNames().value(choice.index));
    case ColorChoice::Kl:
      if (e) return scalars([&](int64_t i) { return e->kl[size_t(i)]; }, tr("KL (nats)"));
      break;
    case ColorChoice::Reconstruction:
      if (e)
        return scalars([&](int64_t i) { return e->reconstruction[size_t(i)]; },
                       tr("-log p(x|z) (nats)"));
      break;
    case ColorChoice::Unit:
      if (e && choice.index < e->dims)
        return scalars(
            [&](int64_t i) {
              return e->latents[size_t(i) * size_t(e->dims) + size_t(choice.index)];
            },
            model_ ? encodedUnitLabel(model_->info(), map_.source, choice.index)
                   : tr("unit %1").arg(choice.index));
      break;
    case ColorChoice::Class:
      break;
  }
  if (dataset_->hasLabels()) {
    std::vector<int> labels(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) labels[size_t(i)] = dataset_->label(i);
    scatter_->setCategoryColors(labels, dataset_->classNames());
  } else {
    scatter_->setCategoryColors(std::vector<int>(static_cast<size_t>(n), 0), {});
  }
}

void MainWindow::openModel(const QString& path) {
  modelJobs_->start<ModelPtr>(
      tr("Opening %1").arg(QFileInfo(path).fileName()),
      [path](const JobControl&) -> ModelPtr { return Model::load(path); },
      [this](ModelPtr model) {
        model_ = std::move(model);
        const QString path = model_->info().path;
        modelPanel_->showModel(model_->info(), readCard(path));
        recentModels_->remember(path);
        QSettings().setValue("models/last", QFileInfo(path).absoluteFilePath());
        if (runningJobs_.isEmpty())
          statusBar()->showMessage(tr("Opened model %1").arg(model_->info().name), 5000);
        traverse_->setModel(model_);
        hierarchy_->setModel(model_);
        // The first model opened leads the comparison, whenever its load finishes.
        if (!compareSeeded_) compare_->addModel(model_, 0);
        compareSeeded_ = true;
        mapControls_->setContext(&model_->info(), dataset_.get(), embedding_ != nullptr);
        Q_EMIT modelShown();
        refreshModelViews();
        computeStats();
      });
}

bool MainWindow::canEncodeDataset() const {
  return model_ && dataset_ && model_->info().hasEncoder &&
         model_->info().input == dataset_->itemShape();
}

void MainWindow::computeStats() {
  if (!canEncodeDataset()) return;
  const ModelPtr model = model_;
  const DatasetPtr dataset = dataset_;
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
      [this, model, source](const std::shared_ptr<const LatentStats>& stats) {
        if (model != model_) return;
        traverse_->setStats(stats);
        hierarchy_->setStats(stats, source);
        int active = 0, collapsed = 0, units = 0;
        for (const LayerStats& l : stats->layers)
          active += l.activeUnits, collapsed += l.collapsedUnits, units += int(l.units.size());
        statusBar()->showMessage(
            tr("Latent statistics over %1: %2 units, %3 active (variance of the "
               "posterior mean > 0.01), %4 collapsed (KL < 0.01 nats)")
                .arg(source)
                .arg(units)
                .arg(active)
                .arg(collapsed),
            15000);
        Q_EMIT statsShown();
      });
}

void MainWindow::refreshModelViews() {
  refreshSamples();
  refreshReconstructions();
}

void MainWindow::refreshSamples() {
  if (!model_) return;
  const ModelPtr model = model_;
  const ItemShape shape = model->info().input;
  const quint64 seed = reconstructions_->sampleSeed();
  const double temperature = reconstructions_->temperature();
  inference_->submit<std::vector<float>>(
      QStringLiteral("samples"),
      [=] { return samplePrior(*model, kSampleCount, seed, temperature); },
      [this, shape, seed, temperature](const std::vector<float>& batch) {
        reconstructions_->showSamples(toQImages(batch, shape),
                                      tr("%1 samples, seed %2, temperature %3")
                                          .arg(kSampleCount)
                                          .arg(seed)
                                          .arg(temperature, 0, 'f', 2));
        Q_EMIT samplesShown();
      });
}

void MainWindow::refreshReconstructions() {
  if (!model_) return;
  const ModelPtr model = model_;
  const DatasetPtr dataset = dataset_;
  const ItemShape shape = model->info().input;
  if (!dataset) return;
  QString why;
  if (!model->info().hasEncoder)
    why = model->info().encoderUnavailableReason;
  else if (!(model->info().input == dataset->itemShape()))
    why = tr("%1 has items of %2 x %3 x %4; the model expects %5 x %6 x %7.")
              .arg(dataset->name())
              .arg(dataset->itemShape().channels)
              .arg(dataset->itemShape().height)
              .arg(dataset->itemShape().width)
              .arg(shape.channels)
              .arg(shape.height)
              .arg(shape.width);
  if (!why.isEmpty()) {
    reconstructions_->reconstructionGrid()->setMessage(tr("No reconstructions: %1").arg(why));
    return;
  }
  const int offset = reconstructions_->inputOffset();
  inference_->submit<Reconstructions>(
      QStringLiteral("reconstructions"),
      [=] {
        return reconstruct(*model, *dataset,
                           spreadIndices(dataset->size(), kReconstructionCount, offset));
      },
      [this, shape, dataset](Reconstructions r) {
        reconstructions_->showReconstructions(
            toQImages(r.inputs, shape), toQImages(r.reconstructions, shape),
            tr("%1 items from #%2, reconstructed from posterior means")
                .arg(r.indices.size())
                .arg(r.indices.front()));
        Q_EMIT reconstructionsShown();
      });
}

void MainWindow::onPointHovered(int index) {
  if (!pinned_) showItem(index, false);
}

void MainWindow::onPointClicked(int index) {
  if (index >= 0 && pathStart_ >= 0 && index != pathStart_) {
    const int64_t from = pathStart_;
    pathStart_ = -1;
    showPath(from, index);
  }
  pinned_ = index >= 0;
  if (pinned_) showItem(index, true);
  showNeighbours(index);
}

void MainWindow::showPath(int64_t from, int64_t to) {
  if (!canEncodeDataset()) return;
  const ModelPtr model = model_;
  const DatasetPtr dataset = dataset_;
  const ProjectionResult map = map_;
  struct Path {
    std::vector<float> images, xy;
  };
  constexpr int kSteps = 10;
  inference_->submit<Path>(
      QStringLiteral("path"),
      [=] {
        std::vector<float> x(2 * size_t(dataset->itemShape().pixelCount()));
        dataset->copyImage(from, x.data());
        dataset->copyImage(to, x.data() + x.size() / 2);
        const Posterior q = model->posterior(x.data(), 2, false);
        Latents a{1, {}}, b{1, {}};
        for (const auto& layer : q.z.layers) {
          a.layers.emplace_back(layer.begin(), layer.begin() + int64_t(layer.size() / 2));
          b.layers.emplace_back(layer.begin() + int64_t(layer.size() / 2), layer.end());
        }
        const Latents path = interpolate(a, b, kSteps, false);
        Path p;
        p.images = model->decode(path);
        if (map.encoding) p.xy = placeOnMap(map, sourceRows(model->info(), map.source, path));
        return p;
      },
      [this, model, from, to, map](Path p) {
        QVector<QImage> images;
        const size_t pixels = size_t(model->info().input.pixelCount());
        for (size_t i = 0; i + pixels <= p.images.size(); i += pixels)
          images << toQImage(p.images.data() + i, model->info().input);
        itemPanel_->setPathImages(
            images,
            tr("Linear interpolation of all layers' posterior means, #%1 → #%2 (%3 steps)%4")
                .arg(from)
                .arg(to)
                .arg(images.size())
                .arg(p.xy.empty()    ? tr("; the path is drawn on latent maps only")
                     : map.latentPca ? tr("; placed exactly on this PCA map")
                                     : tr("; placed on the map by nearest encoded items")));
        scatter_->setPath(p.xy);
        Q_EMIT pathShown();
      });
}

void MainWindow::decodeMapPoint(const QPointF& world) {
  if (!model_ || !map_.latentPca) return;
  const ModelPtr model = model_;
  const ProjectionResult map = map_;
  inference_->submit<std::vector<float>>(
      QStringLiteral("decode-spot"),
      [=] { return model->decode(latentsAtMapPoint(model->info(), map, world.x(), world.y())); },
      [this, model, world](std::vector<float> pixels) {
        itemPanel_->setReconstruction(toQImage(pixels.data(), model->info().input),
                                      tr("Decoded at the map point (%1, %2)")
                                          .arg(world.x(), 0, 'f', 2)
                                          .arg(world.y(), 0, 'f', 2));
      });
}

void MainWindow::showItem(int64_t index, bool pinned) {
  itemPanel_->showItem(index, pinned);
  itemPanel_->setReconstruction({}, {});
  if (!canEncodeDataset()) return;
  const ModelPtr model = model_;
  const DatasetPtr dataset = dataset_;
  inference_->submit<std::vector<float>>(
      QStringLiteral("item-reconstruction"),
      [=] { return reconstruct(*model, *dataset, {index}).reconstructions; },
      [this, model, index](std::vector<float> pixels) {
        if (itemPanel_->currentIndex() != index) return;
        itemPanel_->setReconstruction(
            toQImage(pixels.data(), model->info().input),
            tr("Reconstruction by %1 (posterior mean)").arg(model->info().name));
      });
}

void MainWindow::showNeighbours(int index) {
  const auto encoding = map_.encoding;
  if (index < 0 || !encoding) {
    scatter_->setNeighbours({});
    return;
  }
  inference_->submit<std::vector<int>>(
      QStringLiteral("neighbours"),
      [encoding, index] {
        // The 10 nearest items in latent space (exact, Euclidean), nearest first.
        const size_t d = size_t(encoding->dims);
        const float* q = encoding->latents.data() + size_t(index) * d;
        std::vector<std::pair<float, int>> dist;
        for (int64_t i = 0; i < encoding->items; ++i) {
          if (i == index) continue;
          const float* p = encoding->latents.data() + size_t(i) * d;
          float s = 0;
          for (size_t c = 0; c < d; ++c) s += (p[c] - q[c]) * (p[c] - q[c]);
          dist.push_back({s, int(i)});
        }
        const size_t k = std::min<size_t>(10, dist.size());
        std::partial_sort(dist.begin(), dist.begin() + int64_t(k), dist.end());
        std::vector<int> out;
        for (size_t j = 0; j < k; ++j) out.push_back(dist[j].second);
        return out;
      },
      [this](const std::vector<int>& neighbours) {
        scatter_->setNeighbours(neighbours);
        Q_EMIT neighboursShown(neighbours);
      });
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event) {
  for (const QUrl& url : event->mimeData()->urls())
    if (url.isLocalFile() && url.toLocalFile().endsWith(".pt"))
      return event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* event) {
  for (const QUrl& url : event->mimeData()->urls())
    if (url.isLocalFile() && url.toLocalFile().endsWith(".pt")) {
      openModel(url.toLocalFile());
      event->acceptProposedAction();
      return;
    }
}

void MainWindow::closeEvent(QCloseEvent* event) {
  jobs_->cancel();
  modelJobs_->cancel();
  statsJobs_->cancel();
  QSettings settings;
  settings.setValue("window/geometry", saveGeometry());
  settings.setValue("window/state", saveState());
  settings.setValue("window/tab", tabs_->currentIndex());
  if (autosaver_) autosaver_->finish();
  event->accept();
}

void MainWindow::restoreComparison(const QStringList& paths) {
  compare_->clearModels();
  compareSeeded_ = true;  // the session says which models are compared, main model or not
  for (int i = 0; i < paths.size(); ++i) addCompareModel(paths[i], i);
}

void MainWindow::addCompareModel(const QString& path, int position) {
  // One runner per load: several models may be loading at once, and none is stale.
  auto* runner = new JobRunner(this);
  trackJobs(runner);
  connect(runner, &JobRunner::failed, this,
          [this, runner](quint64, const QString& title, const QString& message) {
            runner->deleteLater();
            QMessageBox box(QMessageBox::Warning, title,
                            tr("This file cannot be compared: it does not follow the Strata "
                               "model contract."),
                            QMessageBox::Ok, this);
            box.setDetailedText(message);
            box.exec();
          });
  runner->start<ModelPtr>(
      tr("Opening %1 for comparison").arg(QFileInfo(path).fileName()),
      [path](const JobControl&) -> ModelPtr { return Model::load(path); },
      [this, runner, position](const ModelPtr& model) {
        runner->deleteLater();
        if (!compare_->addModel(model, position))
          statusBar()->showMessage(
              compare_->modelCount() >= CompareView::kMaxModels
                  ? tr("The comparison already has four models")
                  : tr("%1 is already in the comparison").arg(model->info().name),
              6000);
        Q_EMIT compareModelAdded();
      });
}

void MainWindow::chooseCompareModel() {
  QMenu menu(this);
  const QDir bundled(resourceDirectory() + QStringLiteral("/models"));
  for (const QFileInfo& file : bundled.entryInfoList({QStringLiteral("*.pt")}, QDir::Files))
    menu.addAction(tr("Bundled: %1").arg(file.completeBaseName()), this,
                   [this, path = file.absoluteFilePath()] { addCompareModel(path); });
  menu.addSeparator();
  menu.addAction(tr("Model file…"), this, [this] {
    const QString path = QFileDialog::getOpenFileName(this, tr("Add a model to the comparison"),
                                                      QString(), tr("TorchScript models (*.pt)"));
    if (!path.isEmpty()) addCompareModel(path);
  });
  menu.exec(QCursor::pos());
}

void MainWindow::exportCompareMetrics() {
  if (compare_->metrics().empty()) {
    statusBar()->showMessage(tr("Compute the metrics first"), 5000);
    return;
  }
  QString filter;
  const QString path = QFileDialog::getSaveFileName(this, tr("Export the metrics table"),
                                                    QStringLiteral("metrics.csv"),
                                                    tr("CSV (*.csv);;JSON (*.json)"), &filter);
  if (path.isEmpty()) return;
  if (!compare_->exportMetrics(path))
    QMessageBox::warning(this, tr("Export failed"), tr("Could not write %1").arg(path));
  else
    statusBar()->showMessage(tr("Wrote %1").arg(path), 5000);
}

QJsonObject MainWindow::currentRecipe(QString* why) const {
  QJsonObject recipe;
  const QString view = viewNames().value(tabs_->currentIndex());
  if (view == QLatin1String("map")) {
    if (embedding_) {
      *why = tr("Maps of embedding files cannot be exported as figures yet");
      return {};
    }
    const ProjectionRequest request = mapControls_->request();
    recipe = {{"figure", "projection"},
              {"method", request.method == ProjectionMethod::Tsne   ? "tsne"
                         : request.method == ProjectionMethod::Umap ? "umap"
                                                                    : "pca"},
              {"samples", request.samples},
              {"seed", qint64(request.seed)},
              {"perplexity", request.tsne.perplexity},
              {"neighbours", request.umap.neighbours},
              {"min_dist", request.umap.minDistance}};
    if (request.source == ProjectionRequest::kPixels) {
      recipe["source"] = "pixels";
    } else {
      if (!model_) return {};
      recipe["models"] = QJsonArray{modelReference(model_->info().path, false)};
      recipe["source"] = request.source == ProjectionRequest::kAllLayers
                             ? QStringLiteral("all-layers")
                             : model_->info().layers[size_t(request.source)].name;
    }
    const ColorChoice colour = mapControls_->colorChoice();
    switch (colour.kind) {
      case ColorChoice::Class:
        recipe["colour"] = dataset_ && dataset_->hasLabels() ? "class" : "none";
        break;
      case ColorChoice::Kl:
        recipe["colour"] = "kl";
        break;
      case ColorChoice::Reconstruction:
        recipe["colour"] = "reconstruction";
        break;
      case ColorChoice::Factor:
        recipe["colour"] = "factor:" + dataset_->factorNames().value(colour.index);
        break;
      case ColorChoice::Unit:
        recipe["colour"] = QStringLiteral("unit:%1").arg(colour.index);
        break;
    }
  } else if (view == QLatin1String("reconstructions")) {
    if (!model_ || !dataset_) return {};
    // The first 16 inputs shown and 16 samples: a figure a page wide.
    QJsonArray items;
    const std::vector<int64_t> shown =
        spreadIndices(dataset_->size(), kReconstructionCount, reconstructions_->inputOffset());
    for (size_t i = 0; i < std::min<size_t>(16, shown.size()); ++i) items.append(qint64(shown[i]));
    recipe = {{"figure", "comparison"},
              {"models", QJsonArray{modelReference(model_->info().path, false)}},
              {"items", items},
              {"samples", 16},
              {"seed", qint64(reconstructions_->sampleSeed())},
              {"temperature", reconstructions_->temperature()}};
  } else if (view == QLatin1String("traverse")) {
    recipe = traverse_->figureRecipe();
  } else if (view == QLatin1String("hierarchy")) {
    recipe = hierarchy_->figureRecipe();
  } else if (view == QLatin1String("compare")) {
    recipe = compare_->figureRecipe();
  }
  if (recipe.isEmpty()) {
    *why = tr("Nothing to export in this view yet");
    return {};
  }
  recipe["dataset"] = datasetSpec_;
  recipe["style"] = QJsonObject{{"font", "DejaVu Sans"}, {"font_size", 9}, {"dpi", 300}};
  return recipe;
}

void MainWindow::restoreSelection(const std::vector<int>& indices) {
  if (!dataset_) return;
  std::vector<int> valid;
  for (int i : indices)
    if (i >= 0 && i < dataset_->size()) valid.push_back(i);
  scatter_->setSelection(valid);
  selectionPanel_->setSelection(valid);
}

void MainWindow::enableAutosave(int intervalMs) {
  if (!autosaver_) autosaver_ = new Autosaver(this, intervalMs);
}

}  // namespace strata
