#include "widgets/compare_view.h"

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFileInfo>
#include <QGridLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLabel>
#include <QPushButton>
#include <QScrollArea>
#include <QSpinBox>
#include <QSplitter>
#include <QTabWidget>
#include <QToolButton>

#include <algorithm>
#include <cmath>

#include "core/base/errors.h"
#include "core/base/file_io.h"
#include "core/base/job_runner.h"
#include "core/data/image_convert.h"
#include "core/figures/palette.h"
#include "core/figures/recipe.h"
#include "core/figures/recipe_params.h"
#include "core/model/latent_stats.h"
#include "core/model/layer_groups.h"
#include "core/model/model_ops.h"
#include "core/model/traversal.h"
#include "widgets/class_page.h"
#include "widgets/code_correlation_page.h"
#include "widgets/correlation_matrix.h"
#include "widgets/image_grid.h"
#include "widgets/line_chart.h"
#include "widgets/metrics_table.h"
#include "widgets/unit_inspector.h"
#include "widgets/unit_table.h"

namespace strata {
namespace {

constexpr int kItems = 8;  // reconstructions and samples per model
constexpr int kGridColumns = 4;
constexpr int kPathSteps = 8;
constexpr int kMatchItems = 5000;  // items whose posterior means are correlated
constexpr int kTraversalSteps = 9;
constexpr double kTraversalSpan = 2.5;  // standard deviations each way
constexpr int kTraversedPairs = 4;

// The layers under a column's title: each with its shape, or for a deep model its groups (a
// line of 60 shapes would make the column wider than the screen).
QString layerText(const ModelInfo& info) {
  QStringList parts;
  if (int(info.layers.size()) <= kMaxLayerGroups) {
    for (const LayerInfo& l : info.layers) parts << l.name + l.shapeText();
    return parts.join(QStringLiteral("  "));
  }
  int64_t units = 0;
  for (const LayerInfo& l : info.layers) units += l.size();
  for (const LayerGroup& g : layerGroups(info))
    parts << QStringLiteral("%1 (%2)").arg(g.label).arg(g.count);
  return QStringLiteral("%1 layers, %2 units: %3")
      .arg(info.layers.size())
      .arg(units)
      .arg(parts.join(QStringLiteral(", ")));
}

}  // namespace

struct CompareView::Column {
  QWidget* header = nullptr;  // model name, layers and the remove button
  ImageGrid* reconstructions = nullptr;
  ImageGrid* samples = nullptr;
  ImageGrid* path = nullptr;
  LineChart* density = nullptr;
  LineChart* klProfile = nullptr;  // KL per unit, sorted, once metrics exist
};

CompareView::CompareView(QWidget* parent) : QWidget(parent) {
  imageJobs_ = new JobRunner(this);
  sampleJobs_ = new JobRunner(this);
  pathJobs_ = new JobRunner(this);
  metricJobs_ = new JobRunner(this);
  matchJobs_ = new JobRunner(this);
  traversalJobs_ = new JobRunner(this);

  QLayout* controls = buildControls();
  QWidget* images = buildImageRows();
  QWidget* metricsPage = buildMetricsPage();
  QWidget* matchPage = buildMatchingPage();
  QWidget* unitsPage = buildUnitsPage();
  correlations_ = new CodeCorrelationPage([this] { return metricOptions(); }, this);
  classes_ = new ClassPage([this] { return metricOptions(); }, this);
  bottom_ = new QTabWidget(this);
  bottom_->addTab(metricsPage, tr("Metrics"));
  bottom_->addTab(matchPage, tr("Unit matching"));
  bottom_->addTab(unitsPage, tr("Units"));
  bottom_->addTab(correlations_, tr("Correlations"));
  bottom_->addTab(classes_, tr("Classes"));

  auto* split = new QSplitter(Qt::Vertical, this);
  split->addWidget(images);
  split->addWidget(bottom_);
  split->setStretchFactor(0, 3);
  split->setStretchFactor(1, 2);
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(controls);
  layout->addWidget(split, 1);

  connectSettings();
  rebuildColumns();
}

// Controls shared by every column, so the columns always see the same inputs and noise.
QLayout* CompareView::buildControls() {
  auto* controls = new QHBoxLayout;
  auto* add = new QPushButton(tr("Add model…"), this);
  add->setToolTip(tr("Add a column (up to four models)"));
  offset_ = new QSpinBox(this);
  offset_->setRange(0, 10000000);
  offset_->setToolTip(tr("First input item; inputs are spread evenly over the dataset"));
  seed_ = new QSpinBox(this);
  seed_->setRange(0, 1000000);
  seed_->setValue(1);
  seed_->setToolTip(tr("Seed of the prior noise, shared by all models"));
  temperature_ = new QDoubleSpinBox(this);
  temperature_->setRange(0.0, 2.0);
  temperature_->setSingleStep(0.1);
  temperature_->setValue(1.0);
  class_ = new QComboBox(this);
  class_->setToolTip(tr("The class the conditional models' samples are decoded under"));
  classLabel_ = new QLabel(tr("Class"), this);
  from_ = new QSpinBox(this);
  from_->setRange(0, 10000000);
  to_ = new QSpinBox(this);
  to_->setRange(0, 10000000);
  to_->setValue(1);
  from_->setToolTip(tr("Interpolate from this item…"));
  to_->setToolTip(tr("…to this item"));
  auto* refreshButton = new QPushButton(tr("Refresh"), this);
  controls->addWidget(add);
  controls->addSpacing(12);
  controls->addWidget(new QLabel(tr("Inputs from item"), this));
  controls->addWidget(offset_);
  controls->addWidget(new QLabel(tr("Seed"), this));
  controls->addWidget(seed_);
  controls->addWidget(new QLabel(tr("Temperature"), this));
  controls->addWidget(temperature_);
  controls->addWidget(classLabel_);
  controls->addWidget(class_);
  class_->hide();
  classLabel_->hide();
  connect(class_, &QComboBox::currentIndexChanged, this, [this] { refreshSamples(); });
  controls->addWidget(new QLabel(tr("Interpolate item"), this));
  controls->addWidget(from_);
  controls->addWidget(new QLabel(QStringLiteral("→"), this));
  controls->addWidget(to_);
  controls->addStretch(1);
  controls->addWidget(refreshButton);
  connect(add, &QPushButton::clicked, this, &CompareView::addModelRequested);
  connect(refreshButton, &QPushButton::clicked, this, &CompareView::refresh);
  return controls;
}

// Rows of images, one column per model (added by rebuildColumns()), after a column of the shared
// inputs; in a scroll area.
QWidget* CompareView::buildImageRows() {
  gridHost_ = new QWidget(this);
  grid_ = new QGridLayout(gridHost_);
  grid_->setHorizontalSpacing(10);
  inputs_ = new ImageGrid(gridHost_);
  inputs_->setMinimumHeight(180);
  endpoints_ = new ImageGrid(gridHost_);
  sampleNote_ = new QLabel(gridHost_);
  sampleNote_->setWordWrap(true);
  auto rowTitle = [this](const QString& text) {
    auto* l = new QLabel(QStringLiteral("<b>%1</b>").arg(text), gridHost_);
    l->setAlignment(Qt::AlignLeft | Qt::AlignTop);
    return l;
  };
  grid_->addWidget(rowTitle(tr("Inputs and reconstructions")), 0, 0);
  grid_->addWidget(inputs_, 1, 0);
  grid_->addWidget(rowTitle(tr("Prior samples")), 2, 0);
  grid_->addWidget(sampleNote_, 3, 0);
  grid_->addWidget(rowTitle(tr("Interpolation endpoints")), 4, 0);
  grid_->addWidget(endpoints_, 5, 0);
  auto* densityNote = new QLabel(
      tr("Prior log-density log p(z) along each path (same scale in every column): a path "
         "that dips leaves the region the prior expects."),
      gridHost_);
  densityNote->setWordWrap(true);
  grid_->addWidget(densityNote, 6, 0);
  klNote_ = new QLabel(tr("KL per unit, largest first (after Compute metrics): how many units "
                          "carry information, and how much."),
                       gridHost_);
  klNote_->setWordWrap(true);
  grid_->addWidget(klNote_, 7, 0);
  auto* scroll = new QScrollArea(this);
  scroll->setWidgetResizable(true);
  scroll->setWidget(gridHost_);
  return scroll;
}

QWidget* CompareView::buildMetricsPage() {
  auto* page = new QWidget(this);
  auto* controls = new QHBoxLayout;
  metricItems_ = new QSpinBox(page);
  metricItems_->setRange(100, 10000000);
  metricItems_->setValue(10000);
  metricItems_->setToolTip(tr("Random items of the dataset (seeded) for every metric"));
  iwSamples_ = new QSpinBox(page);
  iwSamples_->setRange(1, 5000);
  iwSamples_->setValue(100);
  iwItems_ = new QSpinBox(page);
  iwItems_->setRange(0, 1000000);
  iwItems_->setValue(500);
  iwItems_->setToolTip(tr("Items for the importance-weighted bound (0 skips it)"));
  codes_ = new QComboBox(page);
  codes_->addItems({tr("posterior means"), tr("posterior samples")});
  codes_->setToolTip(tr("Codes scored by the disentanglement metrics"));
  auto* compute = new QPushButton(tr("Compute metrics"), page);
  auto* exportButton = new QPushButton(tr("Export…"), page);
  exportButton->setToolTip(tr("Save the table as CSV or JSON"));
  controls->addWidget(new QLabel(tr("Items"), page));
  controls->addWidget(metricItems_);
  controls->addWidget(new QLabel(tr("IW bound k"), page));
  controls->addWidget(iwSamples_);
  controls->addWidget(new QLabel(tr("on items"), page));
  controls->addWidget(iwItems_);
  controls->addWidget(new QLabel(tr("Codes"), page));
  controls->addWidget(codes_);
  controls->addStretch(1);
  controls->addWidget(compute);
  controls->addWidget(exportButton);
  metricsTable_ = new MetricsTable(page);
  metricsNote_ = new QLabel(page);
  metricsNote_->setWordWrap(true);
  metricsNote_->setText(
      tr("Press Compute metrics. Tables are cached per model file, dataset and "
         "options; bold marks the best model of a row."));
  auto* layout = new QVBoxLayout(page);
  layout->addLayout(controls);
  layout->addWidget(metricsTable_, 1);
  layout->addWidget(metricsNote_);
  connect(compute, &QPushButton::clicked, this, &CompareView::computeMetrics);
  connect(exportButton, &QPushButton::clicked, this, [this] { Q_EMIT exportRequested(); });
  return page;
}

QWidget* CompareView::buildMatchingPage() {
  auto* page = new QWidget(this);
  auto* controls = new QHBoxLayout;
  matchA_ = new QComboBox(page);
  matchB_ = new QComboBox(page);
  layerA_ = new QComboBox(page);
  layerB_ = new QComboBox(page);
  auto* match = new QPushButton(tr("Match units"), page);
  controls->addWidget(new QLabel(tr("Model A"), page));
  controls->addWidget(matchA_);
  controls->addWidget(layerA_);
  controls->addSpacing(12);
  controls->addWidget(new QLabel(tr("Model B"), page));
  controls->addWidget(matchB_);
  controls->addWidget(layerB_);
  controls->addStretch(1);
  controls->addWidget(match);
  matrix_ = new CorrelationMatrix(page);
  matchedTraversal_ = new ImageGrid(page);
  matchedTraversal_->setMessage(tr("Matched units are traversed here, A above B."));
  matchNote_ = new QLabel(page);
  matchNote_->setWordWrap(true);
  auto* split = new QSplitter(Qt::Horizontal, page);
  split->addWidget(matrix_);
  auto* traversalBox = new QWidget(page);
  auto* traversalLayout = new QVBoxLayout(traversalBox);
  traversalLayout->setContentsMargins(0, 0, 0, 0);
  traversalLayout->addWidget(matchedTraversal_, 1);
  traversalLayout->addWidget(matchNote_);
  split->addWidget(traversalBox);
  split->setStretchFactor(0, 1);
  split->setStretchFactor(1, 1);
  auto* layout = new QVBoxLayout(page);
  layout->addLayout(controls);
  layout->addWidget(split, 1);
  connect(match, &QPushButton::clicked, this, &CompareView::matchUnits);
  return page;
}

// Per-unit criteria of one model, from its metrics table.
QWidget* CompareView::buildUnitsPage() {
  auto* page = new QWidget(this);
  auto* controls = new QHBoxLayout;
  unitModel_ = new QComboBox(page);
  unitModel_->setToolTip(tr("The model whose units are listed"));
  controls->addWidget(new QLabel(tr("Model"), page));
  controls->addWidget(unitModel_);
  controls->addStretch(1);
  unitTable_ = new UnitTable(page);
  auto* layout = new QVBoxLayout(page);
  layout->addLayout(controls);
  layout->addWidget(unitTable_, 1);
  inspector_ = new UnitInspector(this);
  inspector_->setWindowFlag(Qt::Window);
  inspector_->resize(1100, 820);
  connect(unitTable_, &UnitTable::unitActivated, this, &CompareView::inspectUnit);
  connect(unitModel_, &QComboBox::currentIndexChanged, this, [this](int m) {
    unitTable_->setMetrics(
        m >= 0 && size_t(m) < metrics_.size() ? metrics_[size_t(m)] : ModelMetrics{},
        m >= 0 && size_t(m) < models_.size() ? models_[size_t(m)]->info().path : QString());
  });
  return page;
}

void CompareView::inspectUnit(int layer, int unit) {
  const int m = unitModel_->currentIndex();
  if (m < 0 || size_t(m) >= metrics_.size() || size_t(m) >= models_.size() || !dataset_) return;
  inspector_->inspect(models_[size_t(m)], dataset_, metrics_[size_t(m)], layer, unit);
  inspector_->show();
  inspector_->raise();
}

void CompareView::inspectModelUnit(const ModelPtr& model, int layer, int unit) {
  if (!model || !dataset_ || !model->info().hasEncoder) return;
  ModelMetrics metrics;
  metrics.modelName = model->info().name;
  metrics.options = metricOptions();
  for (size_t m = 0; m < models_.size() && m < metrics_.size(); ++m)
    if (models_[m] == model || models_[m]->info().path == model->info().path) metrics = metrics_[m];
  inspector_->inspect(model, dataset_, metrics, layer, unit);
  inspector_->show();
  inspector_->raise();
}

void CompareView::showMetricsTables() {
  metricsTable_->setMetrics(metrics_);
  const QSignalBlocker block(unitModel_);
  const int keep = unitModel_->currentIndex();
  unitModel_->clear();
  for (const ModelMetrics& m : metrics_) unitModel_->addItem(m.modelName);
  const int shown = keep >= 0 && keep < unitModel_->count() ? keep : 0;
  unitModel_->setCurrentIndex(metrics_.empty() ? -1 : shown);
  unitTable_->setMetrics(
      metrics_.empty() ? ModelMetrics{} : metrics_[size_t(shown)],
      size_t(shown) < models_.size() ? models_[size_t(shown)]->info().path : QString());
}

// The shared settings and choices, and the runners' failures (shown by the window).
void CompareView::connectSettings() {
  for (QSpinBox* box : {offset_, seed_, from_, to_})
    connect(box, &QSpinBox::editingFinished, this, &CompareView::refresh);
  connect(temperature_, &QDoubleSpinBox::editingFinished, this, &CompareView::refresh);
  connect(matrix_, &CorrelationMatrix::pairClicked, this, &CompareView::showMatchedTraversal);
  connect(matrix_, &CorrelationMatrix::unitInspectRequested, this, [this](int pair, bool a) {
    if (!matched_ || pair < 0 || size_t(pair) >= matched_->matching.pairs.size()) return;
    const ModelPtr& model = a ? matchedA_ : matchedB_;
    const int layer = a ? matched_->layerA : matched_->layerB;
    const auto [ua, ub] = matched_->matching.pairs[size_t(pair)];
    const auto [l, u] = unitOfCode(model->info(), layer, a ? ua : ub);
    inspectModelUnit(model, l, u);
  });
  connect(matchA_, &QComboBox::currentIndexChanged, this, &CompareView::updateMatchChoices);
  connect(matchB_, &QComboBox::currentIndexChanged, this, &CompareView::updateMatchChoices);
  for (JobRunner* runner : jobRunners())
    connect(runner, &JobRunner::failed, this,
            [this](quint64, const QString& title, const QString& message) {
              Q_EMIT failed(title, message);
            });
}

CompareView::~CompareView() = default;

QList<JobRunner*> CompareView::jobRunners() const {
  return {imageJobs_,
          sampleJobs_,
          pathJobs_,
          metricJobs_,
          matchJobs_,
          traversalJobs_,
          inspector_->jobRunner(),
          correlations_->jobRunner(),
          classes_->jobRunner()};
}

void CompareView::setDataset(DatasetPtr dataset) {
  dataset_ = std::move(dataset);
  correlations_->setDataset(dataset_);
  classes_->setDataset(dataset_);
  shown_.next();
  // Work on the previous dataset must not land in this one's table or matrix.
  for (JobRunner* runner : {metricJobs_, matchJobs_, traversalJobs_}) runner->cancel();
  metrics_.clear();
  matched_.reset();
  inspector_->clear();  // its unit and numbers belong to the models and data that were open
  showMetricsTables();
  matrix_->clear(tr("Choose two models and press Match units."));
  if (dataset_) {
    offset_->setMaximum(int(std::min<int64_t>(dataset_->size() - 1, 10000000)));
    from_->setMaximum(offset_->maximum());
    to_->setMaximum(offset_->maximum());
  }
  refresh();
}

void CompareView::clearModels() {
  models_.clear();
  shown_.next();
  metrics_.clear();
  correlations_->setModels(models_);
  classes_->setModels(models_);
  inspector_->clear();  // its unit and numbers belong to the models and data that were open
  showMetricsTables();
  matched_.reset();
  matrix_->clear(tr("Choose two models and press Match units."));
  rebuildColumns();
}

bool CompareView::addModel(ModelPtr model, int position) {
  if (!model || int(models_.size()) >= kMaxModels) return false;
  for (const ModelPtr& m : models_)
    if (m->info().path == model->info().path) return false;
  if (position < 0 || size_t(position) > models_.size()) position = int(models_.size());
  models_.insert(models_.begin() + position, std::move(model));
  shown_.next();
  metrics_.clear();
  correlations_->setModels(models_);
  classes_->setModels(models_);
  inspector_->clear();  // its unit and numbers belong to the models and data that were open
  showMetricsTables();
  matched_.reset();  // the matrix named columns that have moved
  matrix_->clear(tr("Choose two models and press Match units."));
  rebuildColumns();
  refresh();
  return true;
}

void CompareView::removeModel(int column) {
  if (column < 0 || size_t(column) >= models_.size()) return;
  models_.erase(models_.begin() + column);
  shown_.next();
  if (size_t(column) < metrics_.size()) metrics_.erase(metrics_.begin() + column);
  correlations_->setModels(models_);
  classes_->setModels(models_);
  inspector_->clear();  // its unit and numbers belong to the models and data that were open
  showMetricsTables();
  matched_.reset();
  matrix_->clear(tr("Choose two models and press Match units."));
  rebuildColumns();
  refresh();
}

QString CompareView::modelLabel(int column) const {
  return QStringLiteral("%1 %2").arg(QChar('A' + column)).arg(models_[size_t(column)]->info().name);
}

ImageGrid* CompareView::reconstructionGrid(int column) const {
  return columns_[size_t(column)]->reconstructions;
}
ImageGrid* CompareView::sampleGrid(int column) const {
  return columns_[size_t(column)]->samples;
}
ImageGrid* CompareView::interpolationGrid(int column) const {
  return columns_[size_t(column)]->path;
}

void CompareView::rebuildColumns() {
  for (auto& c : columns_) {
    for (QWidget* w : std::initializer_list<QWidget*>{c->header, c->reconstructions, c->samples,
                                                      c->path, c->density, c->klProfile})
      w->deleteLater();
  }
  columns_.clear();
  for (size_t m = 0; m < models_.size(); ++m) {
    auto c = std::make_unique<Column>();
    const ModelInfo& info = models_[m]->info();
    c->header = new QWidget(gridHost_);
    auto* title =
        new QLabel(QStringLiteral("<b>%1</b><br><small>%2</small>")
                       .arg(modelLabel(int(m)).toHtmlEscaped(), layerText(info).toHtmlEscaped()),
                   c->header);
    title->setWordWrap(true);
    title->setToolTip(info.path);
    auto* remove = new QToolButton(c->header);
    remove->setText(QStringLiteral("✕"));
    remove->setToolTip(tr("Remove this model from the comparison"));
    auto* header = new QHBoxLayout(c->header);
    header->setContentsMargins(0, 0, 0, 0);
    header->addWidget(title, 1);
    header->addWidget(remove, 0, Qt::AlignTop);
    connect(remove, &QToolButton::clicked, this, [this, m] { Q_EMIT removeRequested(int(m)); });
    c->reconstructions = new ImageGrid(gridHost_);
    c->samples = new ImageGrid(gridHost_);
    c->path = new ImageGrid(gridHost_);
    c->density = new LineChart(gridHost_);
    // Rows tall enough to read the images; the area scrolls when the window is small.
    c->reconstructions->setMinimumHeight(180);
    c->samples->setMinimumHeight(180);
    c->path->setMinimumHeight(120);
    c->density->setMinimumHeight(140);
    c->klProfile = new LineChart(gridHost_);
    c->klProfile->setMinimumHeight(140);
    c->klProfile->setToolTip(tr("KL of every unit over the metric items, largest first"));
    const int col = int(m) + 1;
    grid_->addWidget(c->header, 0, col);
    grid_->addWidget(c->reconstructions, 1, col);
    grid_->addWidget(c->samples, 2, col, 2, 1);
    grid_->addWidget(c->path, 4, col, 2, 1);
    grid_->addWidget(c->density, 6, col);
    grid_->addWidget(c->klProfile, 7, col);
    columns_.push_back(std::move(c));
  }
  for (int col = 0; col <= kMaxModels; ++col)
    grid_->setColumnStretch(col, col <= int(models_.size()) ? 1 : 0);
  if (models_.empty()) {
    inputs_->setMessage(tr("Add two to four models to compare them on the same inputs."));
  }
  updateMatchChoices();
}

void CompareView::showPage(const QString& name) {
  bottom_->setCurrentIndex(name == QStringLiteral("matching")       ? 1
                           : name == QStringLiteral("units")        ? 2
                           : name == QStringLiteral("correlations") ? 3
                           : name == QStringLiteral("classes")      ? 4
                                                                    : 0);
}

void CompareView::updateMatchChoices() {
  auto fillModels = [this](QComboBox* box, int preferred) {
    const QSignalBlocker block(box);
    const int keep = box->currentIndex();
    box->clear();
    for (size_t m = 0; m < models_.size(); ++m) box->addItem(modelLabel(int(m)));
    box->setCurrentIndex(keep >= 0 && keep < box->count() ? keep
                                                          : std::min(preferred, box->count() - 1));
  };
  if (matchA_->count() != int(models_.size())) {
    fillModels(matchA_, 0);
    fillModels(matchB_, 1);
    if (matchB_->currentIndex() == matchA_->currentIndex() && matchB_->count() > 1) {
      const QSignalBlocker block(matchB_);
      matchB_->setCurrentIndex(matchA_->currentIndex() == 0 ? 1 : 0);
    }
  }
  auto fillLayers = [this](QComboBox* layers, const QComboBox* model) {
    const QSignalBlocker block(layers);
    layers->clear();
    const int m = model->currentIndex();
    if (m < 0 || size_t(m) >= models_.size()) return;
    const ModelInfo& info = models_[size_t(m)]->info();
    if (info.layers.size() > 1) layers->addItem(tr("all layers"), -1);
    for (size_t l = 0; l < info.layers.size(); ++l) layers->addItem(info.layers[l].title(), int(l));
  };
  fillLayers(layerA_, matchA_);
  fillLayers(layerB_, matchB_);
}

void CompareView::refresh() {
  refreshReconstructions();
  refreshSamples();
  refreshInterpolations();
}

void CompareView::refreshReconstructions() {
  if (!dataset_ || models_.empty() || dataset_->size() == 0) return;
  const std::vector<int64_t> indices = spreadIndices(dataset_->size(), kItems, offset_->value());
  QVector<QImage> inputs;
  for (int64_t i : indices) inputs << datasetImage(*dataset_, i);
  inputs_->setImages(inputs, kGridColumns);
  inputs_->setCaption(tr("items %1…").arg(indices.front()));
  const auto models = models_;
  const DatasetPtr dataset = dataset_;
  imageJobs_->start<std::vector<std::vector<float>>>(
      tr("Reconstructing with %n model(s)", nullptr, int(models.size())),
      [models, dataset, indices](const JobControl& job) {
        std::vector<std::vector<float>> out;
        for (const ModelPtr& m : models) {
          job.cancel.throwIfCancelled();
          if (!canEncode(m->info(), *dataset)) {
            out.emplace_back();  // shown as unavailable
            continue;
          }
          out.push_back(reconstruct(*m, *dataset, indices).reconstructions);
          job.report(double(out.size()) / double(models.size()));
        }
        return out;
      },
      shown_.whileCurrent([this, models, dataset](std::vector<std::vector<float>> images) {
        for (size_t m = 0; m < models.size(); ++m) {
          const ModelInfo& info = models[m]->info();
          if (images[m].empty())
            columns_[m]->reconstructions->setMessage(
                whyCannotEncode(info, *dataset).value_or(tr("No reconstructions.")));
          else
            columns_[m]->reconstructions->setImages(toQImages(images[m], info.input), kGridColumns);
        }
        Q_EMIT imagesShown();
      }),
      [this](const QString& message) {
        for (auto& column : columns_)
          column->reconstructions->setMessage(tr("No reconstructions: %1").arg(message));
      });
}

// The classes of the conditional models among the columns (the first one's order, then any
// other's), shown only when there are some.
void CompareView::syncClasses() {
  QStringList classes;
  for (const ModelPtr& m : models_)
    for (const QString& c : m->info().classes)
      if (!classes.contains(c)) classes << c;
  QStringList shown;
  for (int i = 0; i < class_->count(); ++i) shown << class_->itemText(i);
  if (shown == classes) return;
  const QSignalBlocker quiet(class_);
  class_->clear();
  class_->addItems(classes);
  class_->setVisible(!classes.isEmpty());
  classLabel_->setVisible(!classes.isEmpty());
}

void CompareView::refreshSamples() {
  if (models_.empty()) return;
  syncClasses();
  const auto models = models_;
  const quint64 seed = quint64(seed_->value());
  const double temperature = temperature_->value();
  const QString className = class_->currentText();
  const QString under = className.isEmpty() ? QString() : tr(", class %1").arg(className);
  sampleJobs_->start<std::vector<PriorSamples>>(
      tr("Sampling"),
      [models, seed, temperature, className](const JobControl&) {
        std::vector<const Model*> raw;
        raw.reserve(models.size());
        for (const ModelPtr& m : models) raw.push_back(m.get());
        return comparePriorSamples(raw, kItems, seed, temperature, className);
      },
      shown_.whileCurrent(
          [this, models, seed, temperature, under](std::vector<PriorSamples> samples) {
            bool allShared = true;
            for (size_t m = 0; m < models.size(); ++m) {
              columns_[m]->samples->setImages(toQImages(samples[m].images, models[m]->info().input),
                                              kGridColumns);
              allShared = allShared && samples[m].sharedNoise;
            }
            sampleNote_->setText(
                allShared ? tr("Seed %1, temperature %2%3: the same noise for every model.")
                                .arg(seed)
                                .arg(temperature, 0, 'f', 2)
                                .arg(under)
                          : tr("Seed %1, temperature %2%3. Latent shapes differ, so the models get "
                               "noise from the same seed, not the same noise.")
                                .arg(seed)
                                .arg(temperature, 0, 'f', 2)
                                .arg(under));
          }),
      [this](const QString& message) {
        for (auto& column : columns_)
          column->samples->setMessage(tr("No samples: %1").arg(message));
      });
}

void CompareView::refreshInterpolations() {
  if (!dataset_ || models_.empty() || dataset_->size() == 0) return;
  const int64_t from = std::min<int64_t>(from_->value(), dataset_->size() - 1);
  const int64_t to = std::min<int64_t>(to_->value(), dataset_->size() - 1);
  endpoints_->setImages({datasetImage(*dataset_, from), datasetImage(*dataset_, to)}, 2);
  endpoints_->setCaption(tr("#%1 → #%2").arg(from).arg(to));
  const auto models = models_;
  const DatasetPtr dataset = dataset_;
  struct Paths {
    std::vector<InterpolationPath> linear, spherical;
  };
  pathJobs_->start<Paths>(
      tr("Interpolating"),
      [models, dataset, from, to](const JobControl& job) {
        Paths p;
        for (const ModelPtr& m : models) {
          job.cancel.throwIfCancelled();
          if (!canEncode(m->info(), *dataset)) {
            p.linear.emplace_back();
            p.spherical.emplace_back();
            continue;
          }
          p.linear.push_back(interpolateItems(*m, *dataset, from, to, kPathSteps, false));
          p.spherical.push_back(interpolateItems(*m, *dataset, from, to, kPathSteps, true));
        }
        return p;
      },
      shown_.whileCurrent([this, models](Paths p) {
        double low = INFINITY, high = -INFINITY;
        for (size_t m = 0; m < models.size(); ++m) {
          Column& c = *columns_[m];
          if (p.linear[m].images.empty()) {
            c.path->setMessage(tr("No encoder for these items."));
            continue;
          }
          const ItemShape shape = models[m]->info().input;
          c.path->setImages(
              toQImages(p.linear[m].images, shape) + toQImages(p.spherical[m].images, shape),
              kPathSteps, {tr("linear"), tr("slerp")});
          c.density->setSeries({{tr("linear"), p.linear[m].logPrior, categoricalColor(0)},
                                {tr("spherical"), p.spherical[m].logPrior, categoricalColor(1)}},
                               tr("path position"), tr("log p(z)"));
          const auto [lo, hi] = c.density->dataRange();
          low = std::min(low, lo);
          high = std::max(high, hi);
        }
        // One y range for all columns, so the density levels compare across models.
        for (auto& c : columns_) c->density->setYRange(low, high);
        Q_EMIT imagesShown();
      }));
}

MetricsOptions CompareView::metricOptions() const {
  MetricsOptions o;
  o.items = metricItems_->value();
  o.iwSamples = iwSamples_->value();
  o.iwItems = iwItems_->value();
  o.samples = codes_->currentIndex() == 1;
  return o;
}

void CompareView::setMetricOptions(const MetricsOptions& o) {
  metricItems_->setValue(int(o.items));
  iwSamples_->setValue(o.iwSamples);
  iwItems_->setValue(int(o.iwItems));
  codes_->setCurrentIndex(o.samples ? 1 : 0);
}

void CompareView::computeMetrics() {
  if (!dataset_ || models_.empty()) return;
  const MetricsOptions o = metricOptions();
  const auto models = models_;
  const DatasetPtr dataset = dataset_;
  metricsNote_->setText(tr("Computing metrics of %n model(s)…", nullptr, int(models.size())));
  metricJobs_->start<std::vector<ModelMetrics>>(
      tr("Computing metrics"),
      [models, dataset, o](const JobControl& job) {
        std::vector<ModelMetrics> out;
        const MetricsCache cache;
        for (size_t m = 0; m < models.size(); ++m) {
          const JobControl part =
              job.range(double(m) / double(models.size()), double(m + 1) / double(models.size()));
          if (!models[m]->info().hasEncoder) {
            ModelMetrics empty;
            empty.modelName = models[m]->info().name;
            out.push_back(empty);
            continue;
          }
          out.push_back(cache.get(*models[m], *dataset, o, part));
        }
        return out;
      },
      shown_.whileCurrent([this](std::vector<ModelMetrics> tables) {
        metrics_ = std::move(tables);
        showMetricsTables();
        showKlProfiles();
        double seconds = 0;
        for (const ModelMetrics& m : metrics_) seconds += m.seconds;
        metricsNote_->setText(
            tr("%1 on %2 items of %3. Bold: the best model of the row. Intervals: 95% (standard "
               "error of the mean for the bounds, bootstrap for FactorVAE and beta-VAE). MIG, "
               "SAP, DCI and FactorVAE follow disentanglement_lib's convention, as published "
               "tables do; rows whose parameters say \"Strata variant\" are Strata's earlier "
               "definitions (docs/metrics.md). Computed in %4 s (cached afterwards).")
                .arg(metrics_.empty()                   ? QString()
                     : metrics_.front().options.samples ? tr("Posterior samples")
                                                        : tr("Posterior means"))
                .arg(metrics_.empty() ? 0 : metrics_.front().items)
                .arg(dataset_ ? dataset_->name() : QString())
                .arg(seconds, 0, 'f', 1));
        Q_EMIT metricsShown();
      }),
      [this](const QString& message) { metricsNote_->setText(tr("No metrics: %1").arg(message)); });
}

void CompareView::showKlProfiles() {
  double high = 0;
  for (size_t m = 0; m < metrics_.size() && m < columns_.size(); ++m) {
    std::vector<double> kl;
    for (const auto& layer : metrics_[m].unitKl) kl.insert(kl.end(), layer.begin(), layer.end());
    std::sort(kl.begin(), kl.end(), std::greater<>());
    const auto collapsed = std::count_if(
        kl.begin(), kl.end(), [](double v) { return v < LatentStats::kCollapsedUnitKl; });
    if (!kl.empty()) high = std::max(high, kl.front());
    columns_[m]->klProfile->setSeries(
        {{tr("%1 units, %2 collapsed").arg(kl.size()).arg(collapsed), kl, categoricalColor(2)}},
        tr("unit, by KL"), tr("KL (nats)"));
  }
  for (auto& c : columns_) c->klProfile->setYRange(0, high);
}

void CompareView::matchUnits() {
  const int a = matchA_->currentIndex(), b = matchB_->currentIndex();
  if (!dataset_ || a < 0 || b < 0 || a == b) {
    matrix_->clear(tr("Choose two different models."));
    return;
  }
  const ModelPtr ma = models_[size_t(a)], mb = models_[size_t(b)];
  if (!ma->info().hasEncoder || !mb->info().hasEncoder) {
    matrix_->clear(tr("Both models need an encoder to match units."));
    return;
  }
  const int layerA = layerA_->currentData().toInt(), layerB = layerB_->currentData().toInt();
  const DatasetPtr dataset = dataset_;
  const std::vector<int64_t> items =
      spreadIndices(dataset->size(), int(std::min<int64_t>(kMatchItems, dataset->size())), 0);
  matrix_->clear(tr("Encoding %1 items with both models…").arg(items.size()));
  matchJobs_->start<std::shared_ptr<const MatchedUnits>>(
      tr("Matching units"),
      [ma, mb, layerA, layerB, dataset, items](const JobControl& job) {
        return std::make_shared<const MatchedUnits>(
            matchModelUnits(*ma, layerA, *mb, layerB, *dataset, items, job));
      },
      shown_.whileCurrent([this, ma, mb](const std::shared_ptr<const MatchedUnits>& matched) {
        matched_ = matched;
        matchedA_ = ma;
        matchedB_ = mb;
        matrix_->setMatching(matched->matching, matched->unitNamesA, matched->unitNamesB,
                             tr("A: %1").arg(ma->info().name), tr("B: %1").arg(mb->info().name));
        double sum = 0;
        for (auto [ua, ub] : matched->matching.pairs) sum += std::abs(matched->matching.at(ua, ub));
        const auto& best = matched->matching.pairs.front();
        matchNote_->setText(
            tr("%1 pairs over %2 items; mean |r| of matched pairs %3; best %4 ↔ %5 (r = %6). "
               "Click an outlined cell to traverse that pair.")
                .arg(matched->matching.pairs.size())
                .arg(matched->items)
                .arg(sum / double(matched->matching.pairs.size()), 0, 'f', 2)
                .arg(matched->unitNamesA[best.first], matched->unitNamesB[best.second])
                .arg(matched->matching.at(best.first, best.second), 0, 'f', 2));
        Q_EMIT matchingShown();
        showMatchedTraversal(0);
      }),
      [this](const QString& message) { matrix_->clear(tr("No matching: %1").arg(message)); });
}

void CompareView::showMatchedTraversal(int pair) {
  if (!matched_ || !dataset_) return;
  const auto matched = matched_;
  const ModelPtr ma = matchedA_, mb = matchedB_;
  if (!ma || !mb || pair < 0 || size_t(pair) >= matched_->matching.pairs.size()) return;
  const DatasetPtr dataset = dataset_;
  const int64_t item = std::min<int64_t>(offset_->value(), dataset->size() - 1);
  // The chosen pair first, then the best-matched others.
  std::vector<int> pairs{pair};
  for (int p = 0; p < int(matched->matching.pairs.size()) && int(pairs.size()) < kTraversedPairs;
       ++p)
    if (p != pair) pairs.push_back(p);
  traversalJobs_->start<std::vector<MatchedTraversal>>(
      tr("Traversing matched units"),
      [ma, mb, dataset, item, matched, pairs](const JobControl& job) {
        std::vector<MatchedTraversal> out;
        for (int p : pairs) {
          job.cancel.throwIfCancelled();
          out.push_back(traverseMatchedPair(*ma, *mb, *dataset, item, *matched, p, kTraversalSteps,
                                            kTraversalSpan));
          job.report(double(out.size()) / double(pairs.size()));
        }
        return out;
      },
      shown_.whileCurrent([this, ma, mb, matched, pairs,
                           item](std::vector<MatchedTraversal> strips) {
        QVector<QImage> cells;
        QStringList labels;
        for (size_t s = 0; s < strips.size(); ++s) {
          const auto [ua, ub] = matched->matching.pairs[size_t(pairs[s])];
          cells += toQImages(strips[s].imagesA, ma->info().input);
          cells += toQImages(strips[s].imagesB, mb->info().input);
          labels << QStringLiteral("A %1").arg(matched->unitNamesA[ua])
                 << QStringLiteral("B %1 (r %2)")
                        .arg(matched->unitNamesB[ub])
                        .arg(matched->matching.at(ua, ub), 0, 'f', 2);
        }
        matchedTraversal_->setImages(cells, kTraversalSteps, labels);
        matchedTraversal_->setCaption(
            tr("From item %1: each pair moved together by −%2…+%2 standard deviations of its "
               "unit over the data (B's direction flipped when r < 0); lower layers regenerated.")
                .arg(item)
                .arg(kTraversalSpan));
        Q_EMIT traversalShown();
      }));
}

QJsonObject CompareView::figureRecipe() const {
  if (models_.empty() || !dataset_) return {};
  ComparisonRecipe recipe;
  recipe.models.emplace();
  for (const ModelPtr& m : models_) recipe.models->push_back(recipeModel(m->info().path, false));
  const std::vector<int64_t> items = spreadIndices(dataset_->size(), kItems, offset_->value());
  recipe.items = std::vector<qint64>(items.begin(), items.end());
  recipe.seed = qint64(seed_->value());
  recipe.samples = kItems;
  recipe.temperature = temperature_->value();
  if (!class_->currentText().isEmpty()) recipe.cls = class_->currentText();
  return recipe.toJson();
}

}  // namespace strata
