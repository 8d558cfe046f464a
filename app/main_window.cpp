#include "app/main_window.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QDockWidget>
#include <QFileInfo>
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

#include "app/open_dataset_action.h"
#include "app/open_model_action.h"
#include "core/dataset_source.h"
#include "core/image_convert.h"
#include "core/inference_worker.h"
#include "core/job_runner.h"
#include "core/latent_stats.h"
#include "core/model_ops.h"
#include "core/pca.h"
#include "core/resources.h"
#include "widgets/image_grid.h"
#include "widgets/hierarchy_view.h"
#include "widgets/item_panel.h"
#include "widgets/model_panel.h"
#include "widgets/reconstruction_view.h"
#include "widgets/scatter_view.h"
#include "widgets/traverse_view.h"

namespace strata {
namespace {

constexpr int kReconstructionCount = 32;
constexpr int kSampleCount = 64;

QVector<QImage> toImages(const std::vector<float>& batch, const ItemShape& shape) {
  QVector<QImage> images;
  const size_t pixels = size_t(shape.pixelCount());
  for (size_t i = 0; i + pixels <= batch.size(); i += pixels) images << toQImage(batch.data() + i, shape);
  return images;
}

QJsonObject readCard(const QString& modelPath) {
  const QString path = modelCardPath(modelPath);
  QFile file(path);
  if (path.isEmpty() || !file.open(QIODevice::ReadOnly)) return {};
  return QJsonDocument::fromJson(file.readAll()).object();
}

}  // namespace

struct MainWindow::Projection {
  DatasetPtr dataset;
  QString spec;
  std::vector<float> coords3;
  std::vector<double> varianceRatio;
};

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent) {
  setWindowTitle(QStringLiteral("Strata"));
  setAcceptDrops(true);
  tabs_ = new QTabWidget(this);
  scatter_ = new ScatterView(tabs_);
  reconstructions_ = new ReconstructionView(tabs_);
  tabs_->addTab(scatter_, tr("Map"));
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
  itemDock->raise();

  jobs_ = new JobRunner(this);
  modelJobs_ = new JobRunner(this);
  statsJobs_ = new JobRunner(this);
  inference_ = new InferenceWorker(this);
  traverse_ = new TraverseView(inference_, tabs_);
  hierarchy_ = new HierarchyView(inference_, tabs_);
  tabs_->addTab(traverse_, tr("Traverse"));
  tabs_->addTab(hierarchy_, tr("Hierarchy"));
  connect(traverse_, &TraverseView::statusMessage, this, [this](const QString& m) { statusBar()->showMessage(m, 8000); });
  connect(hierarchy_, &HierarchyView::unitActivated, this, [this](int layer, int unit) {
    showView("traverse");
    traverse_->focusUnit(layer, unit);
  });
  connect(itemPanel_, &ItemPanel::traverseRequested, this, [this](int64_t index) {
    showView("traverse");
    traverse_->startFromItem(index);
  });
  buildStatusBar();
  connect(inference_, &InferenceWorker::failed, this, [this](const QString&, const QString& message) {
    reconstructions_->showUnavailable(message, message);
    statusBar()->showMessage(tr("Model computation failed: %1").arg(message));
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
  for (JobRunner* runner : {jobs_, modelJobs_, statsJobs_}) {
    connect(cancelButton_, &QToolButton::clicked, runner, &JobRunner::cancel);
    connect(runner, &JobRunner::started, this, [this](quint64, const QString& title) {
      statusBar()->showMessage(title + QStringLiteral("…"));
      progress_->setValue(0);
      progress_->show();
      cancelButton_->show();
    });
    connect(runner, &JobRunner::progressed, this,
            [this](quint64, double f) { progress_->setValue(int(f * 1000)); });
    connect(runner, &JobRunner::finished, this, [this](quint64) {
      progress_->hide();
      cancelButton_->hide();
    });
    connect(runner, &JobRunner::cancelledJob, this, [this](quint64, const QString& title) {
      statusBar()->showMessage(tr("%1: cancelled").arg(title), 5000);
    });
  }
  connect(statsJobs_, &JobRunner::failed, this, [this](quint64, const QString& title, const QString& message) {
    statusBar()->showMessage(tr("%1 failed: %2").arg(title, message));
  });
  connect(jobs_, &JobRunner::failed, this,
          [this](quint64, const QString& title, const QString& message) {
            statusBar()->showMessage(tr("%1 failed").arg(title));
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
  const QStringList names = {QStringLiteral("map"), QStringLiteral("reconstructions"),
                             QStringLiteral("traverse"), QStringLiteral("hierarchy")};
  const int index = names.indexOf(name.toLower());
  if (index < 0) return false;
  tabs_->setCurrentIndex(index);
  return true;
}

void MainWindow::openStartup(const QString& dataset, const QString& model) {
  QSettings settings;
  QString spec = dataset.isEmpty() ? settings.value("data/last", defaultDatasetSpec()).toString() : dataset;
  QString modelPath = model;
  if (modelPath.isEmpty()) modelPath = settings.value("models/last").toString();
  if (modelPath.isEmpty() || !QFileInfo(modelPath).isFile()) modelPath = bundledModelPath("fashion_lvae.pt");
  openDatasetSpec(spec);
  if (QFileInfo(modelPath).isFile()) openModel(modelPath);
}

void MainWindow::openDatasetSpec(const QString& spec) {
  const QString title = tr("Projecting %1 with PCA").arg(describeDatasetSpec(spec));
  jobs_->start<Projection>(
      title,
      [spec](const JobControl& job) {
        Projection p;
        p.spec = spec;
        p.dataset = openDataset(spec);
        job.report(0.05);
        // The axes are fitted on at most 20,000 items spread over the dataset; every item is
        // then projected, in chunks, so large generated sets (dSprites) never sit in memory.
        const int64_t n = p.dataset->size();
        const int dims = int(p.dataset->itemShape().pixelCount());
        const std::vector<int64_t> rows = spreadIndices(n, int(std::min<int64_t>(n, 20000)));
        std::vector<float> pixels(rows.size() * size_t(dims));
        for (size_t i = 0; i < rows.size(); ++i) {
          p.dataset->copyImage(rows[i], pixels.data() + i * size_t(dims));
          if (i % 4096 == 0) job.cancel.throwIfCancelled();
        }
        JobControl fit{job.cancel, [&job](double f) { job.report(0.1 + 0.5 * f); }};
        const PcaModel pca = fitPca(pixels.data(), int64_t(rows.size()), dims, std::min(3, dims), fit);
        p.varianceRatio = pca.explainedVarianceRatio;
        p.coords3.assign(size_t(n) * 3, 0.0f);
        constexpr int64_t kChunk = 4096;
        pixels.resize(size_t(kChunk) * size_t(dims));
        for (int64_t first = 0; first < n; first += kChunk) {
          job.cancel.throwIfCancelled();
          const int64_t count = std::min(kChunk, n - first);
          p.dataset->copyBatch(first, count, pixels.data());
          const std::vector<float> y = pca.transform(pixels.data(), count);
          for (int64_t i = 0; i < count; ++i)
            for (int c = 0; c < pca.components; ++c)
              p.coords3[size_t((first + i) * 3 + c)] = y[size_t(i * pca.components + c)];
          job.report(0.6 + 0.4 * double(first + count) / double(n));
        }
        return p;
      },
      [this](Projection p) { showProjection(p); });
}

void MainWindow::showProjection(const Projection& projection) {
  dataset_ = projection.dataset;
  datasetSpec_ = projection.spec;
  coords3_ = projection.coords3;
  varianceRatio_ = projection.varianceRatio;
  pinned_ = false;
  itemPanel_->setDataset(dataset_);
  setWindowTitle(tr("Strata — %1").arg(dataset_->name()));
  applyDimensions();

  QString explained;
  for (size_t c = 0; c < varianceRatio_.size(); ++c)
    explained += tr("%1PC%2 %3%").arg(c ? ", " : "").arg(c + 1).arg(varianceRatio_[c] * 100, 0, 'f', 1);
  statusBar()->showMessage(tr("%1: %2 items, PCA of %3 pixels (explained variance: %4)")
                               .arg(dataset_->name())
                               .arg(dataset_->size())
                               .arg(dataset_->itemShape().pixelCount())
                               .arg(explained));
  Q_EMIT projectionShown();
  traverse_->setDataset(dataset_);
  hierarchy_->setDataset(dataset_);
  refreshReconstructions();
  computeStats();
}

void MainWindow::applyDimensions() {
  if (!dataset_) return;
  const bool threeD = threeDAction_->isChecked();
  scatter_->setMode(threeD ? ScatterView::Mode::ThreeD : ScatterView::Mode::TwoD);
  if (threeD) {
    scatter_->setPoints(coords3_, 3);
  } else {
    std::vector<float> xy(coords3_.size() / 3 * 2);
    for (size_t i = 0; i < coords3_.size() / 3; ++i) {
      xy[2 * i] = coords3_[3 * i];
      xy[2 * i + 1] = coords3_[3 * i + 1];
    }
    scatter_->setPoints(xy, 2);
  }
  if (dataset_->hasLabels()) {
    std::vector<int> labels(size_t(dataset_->size()));
    for (int64_t i = 0; i < dataset_->size(); ++i) labels[size_t(i)] = dataset_->label(i);
    scatter_->setCategoryColors(labels, dataset_->classNames());
  } else {
    scatter_->setCategoryColors(std::vector<int>(size_t(dataset_->size()), 0), {});
  }
  QStringList axes;
  const QStringList names = {QStringLiteral("x"), QStringLiteral("y"), QStringLiteral("z")};
  for (size_t c = 0; c < varianceRatio_.size() && c < size_t(threeD ? 3 : 2); ++c)
    axes << tr("%1: PC%2 (%3% of variance)")
                .arg(names[int(c)])
                .arg(c + 1)
                .arg(varianceRatio_[c] * 100, 0, 'f', 1);
  scatter_->setCaption(tr("PCA of pixels  —  ") + axes.join(QStringLiteral(",  ")));
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
        statusBar()->showMessage(tr("Opened model %1").arg(model_->info().name), 5000);
        traverse_->setModel(model_);
        hierarchy_->setModel(model_);
        Q_EMIT modelShown();
        refreshModelViews();
        computeStats();
      });
}

void MainWindow::computeStats() {
  if (!model_ || !dataset_ || !model_->info().hasEncoder || !(model_->info().input == dataset_->itemShape()))
    return;
  const ModelPtr model = model_;
  const DatasetPtr dataset = dataset_;
  // Every item up to 20,000; beyond, 20,000 spread evenly (dSprites has 737,280).
  const int64_t count = std::min<int64_t>(dataset->size(), 20000);
  const QString source = count < dataset->size() ? tr("%1 (%2 items spread over the set)").arg(dataset->name()).arg(count)
                                                  : dataset->name();
  statsJobs_->start<std::shared_ptr<const LatentStats>>(
      tr("Latent statistics of %1 on %2").arg(model->info().name, dataset->name()),
      [=](const JobControl& job) -> std::shared_ptr<const LatentStats> {
        return std::make_shared<LatentStats>(
            computeLatentStats(*model, *dataset, spreadIndices(dataset->size(), int(count)), job));
      },
      [this, model, source](std::shared_ptr<const LatentStats> stats) {
        if (model != model_) return;
        traverse_->setStats(stats);
        hierarchy_->setStats(stats, source);
        int active = 0, collapsed = 0, units = 0;
        for (const LayerStats& l : stats->layers)
          active += l.activeUnits, collapsed += l.collapsedUnits, units += int(l.units.size());
        statusBar()->showMessage(tr("Latent statistics over %1: %2 units, %3 active (variance of the "
                                    "posterior mean > 0.01), %4 collapsed (KL < 0.01 nats)")
                                     .arg(source).arg(units).arg(active).arg(collapsed), 15000);
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
      QStringLiteral("samples"), [=] { return samplePrior(*model, kSampleCount, seed, temperature); },
      [this, shape, seed, temperature](std::vector<float> batch) {
        reconstructions_->showSamples(toImages(batch, shape),
                                      tr("%1 samples, seed %2, temperature %3")
                                          .arg(kSampleCount).arg(seed).arg(temperature, 0, 'f', 2));
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
  if (!model->info().hasEncoder) why = model->info().encoderUnavailableReason;
  else if (!(model->info().input == dataset->itemShape()))
    why = tr("%1 has items of %2 x %3 x %4; the model expects %5 x %6 x %7.")
              .arg(dataset->name()).arg(dataset->itemShape().channels).arg(dataset->itemShape().height)
              .arg(dataset->itemShape().width).arg(shape.channels).arg(shape.height).arg(shape.width);
  if (!why.isEmpty()) {
    reconstructions_->reconstructionGrid()->setMessage(tr("No reconstructions: %1").arg(why));
    return;
  }
  const int offset = reconstructions_->inputOffset();
  inference_->submit<Reconstructions>(
      QStringLiteral("reconstructions"),
      [=] { return reconstruct(*model, *dataset, spreadIndices(dataset->size(), kReconstructionCount, offset)); },
      [this, shape, dataset](Reconstructions r) {
        reconstructions_->showReconstructions(
            toImages(r.inputs, shape), toImages(r.reconstructions, shape),
            tr("%1 items from #%2, reconstructed from posterior means")
                .arg(r.indices.size()).arg(r.indices.front()));
        Q_EMIT reconstructionsShown();
      });
}

void MainWindow::onPointHovered(int index) {
  if (!pinned_) itemPanel_->showItem(index, false);
}

void MainWindow::onPointClicked(int index) {
  pinned_ = index >= 0;
  if (pinned_) itemPanel_->showItem(index, true);
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event) {
  for (const QUrl& url : event->mimeData()->urls())
    if (url.isLocalFile() && url.toLocalFile().endsWith(".pt")) return event->acceptProposedAction();
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
  if (!datasetSpec_.isEmpty()) settings.setValue("data/last", datasetSpec_);
  event->accept();
}

}  // namespace strata
