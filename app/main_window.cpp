#include "app/main_window.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QDockWidget>
#include <QKeySequence>
#include <QMenuBar>
#include <QMessageBox>
#include <QProgressBar>
#include <QSettings>
#include <QStatusBar>
#include <QToolBar>
#include <QToolButton>

#include "app/open_dataset_action.h"
#include "core/dataset_source.h"
#include "core/job_runner.h"
#include "core/pca.h"
#include "widgets/item_panel.h"
#include "widgets/scatter_view.h"

namespace strata {

struct MainWindow::Projection {
  DatasetPtr dataset;
  QString spec;
  std::vector<float> coords3;
  std::vector<double> varianceRatio;
};

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent) {
  setWindowTitle(QStringLiteral("Strata"));
  scatter_ = new ScatterView(this);
  setCentralWidget(scatter_);

  itemPanel_ = new ItemPanel(this);
  auto* dock = new QDockWidget(tr("Item"), this);
  dock->setObjectName(QStringLiteral("itemDock"));
  dock->setWidget(itemPanel_);
  dock->setFeatures(QDockWidget::DockWidgetMovable | QDockWidget::DockWidgetFloatable);
  dock->setMinimumWidth(240);
  addDockWidget(Qt::RightDockWidgetArea, dock);

  jobs_ = new JobRunner(this);
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
  connect(cancelButton_, &QToolButton::clicked, jobs_, &JobRunner::cancel);
  connect(jobs_, &JobRunner::started, this, [this](quint64, const QString& title) {
    statusBar()->showMessage(title + QStringLiteral("…"));
    progress_->setValue(0);
    progress_->show();
    cancelButton_->show();
  });
  connect(jobs_, &JobRunner::progressed, this,
          [this](quint64, double f) { progress_->setValue(int(f * 1000)); });
  connect(jobs_, &JobRunner::finished, this, [this](quint64) {
    progress_->hide();
    cancelButton_->hide();
  });
  connect(jobs_, &JobRunner::cancelledJob, this, [this](quint64, const QString& title) {
    statusBar()->showMessage(tr("%1: cancelled").arg(title), 5000);
  });
  connect(jobs_, &JobRunner::failed, this,
          [this](quint64, const QString& title, const QString& message) {
            statusBar()->showMessage(tr("%1 failed").arg(title));
            QMessageBox::warning(this, title, message);
          });

  connect(scatter_, &ScatterView::pointHovered, this, &MainWindow::onPointHovered);
  connect(scatter_, &ScatterView::pointClicked, this, &MainWindow::onPointClicked);
  buildActions();

  QSettings settings;
  if (!restoreGeometry(settings.value("window/geometry").toByteArray())) resize(1280, 820);
  restoreState(settings.value("window/state").toByteArray());
}

MainWindow::~MainWindow() = default;

void MainWindow::buildActions() {
  QMenu* file = menuBar()->addMenu(tr("&File"));
  auto* open = new OpenDatasetAction(this);
  connect(open, &OpenDatasetAction::datasetChosen, this, &MainWindow::openDatasetSpec);
  file->addAction(open);
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

  QToolBar* tools = addToolBar(tr("View"));
  tools->setObjectName(QStringLiteral("viewToolBar"));
  tools->addAction(open);
  tools->addSeparator();
  tools->addAction(threeDAction_);
  tools->addAction(reset);
}

void MainWindow::openDatasetSpec(const QString& spec) {
  const QString title = tr("Projecting %1 with PCA").arg(describeDatasetSpec(spec));
  jobs_->start<Projection>(
      title,
      [spec](const JobControl& job) {
        Projection p;
        p.spec = spec;
        p.dataset = openDataset(spec);
        job.report(0.1);
        const int64_t n = p.dataset->size();
        const int dims = int(p.dataset->itemShape().pixelCount());
        std::vector<float> pixels(size_t(n) * size_t(dims));
        p.dataset->copyBatch(0, n, pixels.data());
        job.cancel.throwIfCancelled();
        JobControl inner{job.cancel, [&job](double f) { job.report(0.15 + 0.8 * f); }};
        const PcaModel pca = fitPca(pixels.data(), n, dims, std::min(3, dims), inner);
        p.coords3 = pca.transform(pixels.data(), n);
        if (pca.components < 3) {
          std::vector<float> padded(size_t(n) * 3, 0.0f);
          for (int64_t i = 0; i < n; ++i)
            for (int c = 0; c < pca.components; ++c)
              padded[size_t(i * 3 + c)] = p.coords3[size_t(i * pca.components + c)];
          p.coords3.swap(padded);
        }
        p.varianceRatio = pca.explainedVarianceRatio;
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

void MainWindow::onPointHovered(int index) {
  if (!pinned_) itemPanel_->showItem(index, false);
}

void MainWindow::onPointClicked(int index) {
  pinned_ = index >= 0;
  if (pinned_) itemPanel_->showItem(index, true);
}

void MainWindow::closeEvent(QCloseEvent* event) {
  jobs_->cancel();
  QSettings settings;
  settings.setValue("window/geometry", saveGeometry());
  settings.setValue("window/state", saveState());
  if (!datasetSpec_.isEmpty()) settings.setValue("data/last", datasetSpec_);
  event->accept();
}

}  // namespace strata
