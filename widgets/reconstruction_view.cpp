#include "widgets/reconstruction_view.h"

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QSpinBox>

#include <QJsonArray>

#include "core/base/inference_worker.h"
#include "core/data/image_convert.h"
#include "core/figures/recipe.h"
#include "core/figures/recipe_params.h"
#include "core/model/model_ops.h"
#include "core/workspace/workspace.h"
#include "widgets/image_grid.h"

namespace strata {

static constexpr int kColumns = 8;
static constexpr int kReconstructionCount = 32;
static constexpr int kSampleCount = 64;
// A figure a page wide: the first inputs shown and as many samples.
static constexpr int kFigureItems = 16;

ReconstructionView::ReconstructionView(QWidget* parent) : QWidget(parent) {
  auto* controls = new QHBoxLayout;
  offset_ = new QSpinBox(this);
  offset_->setRange(0, 1000000);
  offset_->setToolTip(
      tr("First dataset item; the inputs are spread evenly over the dataset from here"));
  seed_ = new QSpinBox(this);
  seed_->setRange(0, 1000000);
  seed_->setValue(1);
  seed_->setToolTip(tr("Seed of the prior noise; the same seed gives the same samples"));
  temperature_ = new QDoubleSpinBox(this);
  temperature_->setRange(0.0, 2.0);
  temperature_->setSingleStep(0.1);
  temperature_->setValue(1.0);
  temperature_->setToolTip(tr("Scales the prior standard deviation of every layer"));
  class_ = new QComboBox(this);
  class_->setToolTip(tr("The class y the samples are decoded under (conditional models)"));
  classLabel_ = new QLabel(tr("Class"), this);
  auto* refresh = new QPushButton(tr("Refresh"), this);
  controls->addWidget(new QLabel(tr("Inputs from item"), this));
  controls->addWidget(offset_);
  controls->addSpacing(16);
  controls->addWidget(new QLabel(tr("Sample seed"), this));
  controls->addWidget(seed_);
  controls->addWidget(new QLabel(tr("Temperature"), this));
  controls->addWidget(temperature_);
  controls->addWidget(classLabel_);
  controls->addWidget(class_);
  class_->hide();
  classLabel_->hide();
  controls->addStretch(1);
  controls->addWidget(refresh);

  auto* grids = new QHBoxLayout;
  auto* left = new QGroupBox(tr("Inputs (odd rows) and reconstructions (even rows)"), this);
  reconstructions_ = new ImageGrid(left);
  (new QVBoxLayout(left))->addWidget(reconstructions_);
  auto* right = new QGroupBox(tr("Samples from the prior"), this);
  samples_ = new ImageGrid(right);
  (new QVBoxLayout(right))->addWidget(samples_);
  grids->addWidget(left, 1);
  grids->addWidget(right, 1);

  auto* layout = new QVBoxLayout(this);
  layout->addLayout(controls);
  layout->addLayout(grids, 1);

  connect(refresh, &QPushButton::clicked, this, &ReconstructionView::refreshRequested);
  for (QSpinBox* box : {offset_, seed_})
    connect(box, &QSpinBox::editingFinished, this, &ReconstructionView::refreshRequested);
  connect(temperature_, &QDoubleSpinBox::editingFinished, this,
          &ReconstructionView::refreshRequested);
  connect(class_, &QComboBox::currentIndexChanged, this, &ReconstructionView::refreshSamples);
  showUnavailable(tr("Open a model to see reconstructions."), tr("Open a model to see samples."));
}

int ReconstructionView::inputOffset() const {
  return offset_->value();
}
quint64 ReconstructionView::sampleSeed() const {
  return quint64(seed_->value());
}
double ReconstructionView::temperature() const {
  return temperature_->value();
}
int ReconstructionView::sampleClass() const {
  return class_->isVisibleTo(this) ? class_->currentIndex() : -1;
}

void ReconstructionView::syncClasses(const ModelInfo& info) {
  QStringList shown;
  for (int i = 0; i < class_->count(); ++i) shown << class_->itemText(i);
  if (shown == info.classes) return;
  const QSignalBlocker quiet(class_);
  class_->clear();
  class_->addItems(info.classes);
  class_->setVisible(info.conditional());
  classLabel_->setVisible(info.conditional());
}

void ReconstructionView::showReconstructions(const QVector<QImage>& inputs,
                                             const QVector<QImage>& reconstructions,
                                             const QString& caption) {
  QVector<QImage> cells;
  QStringList labels;
  for (qsizetype row = 0; row * kColumns < inputs.size(); ++row) {
    const int first = int(row) * kColumns,
              count = std::min<int>(kColumns, int(inputs.size()) - first);
    cells += inputs.mid(first, count);
    cells += reconstructions.mid(first, count);
    labels << tr("input") << tr("recon.");
  }
  reconstructions_->setImages(cells, kColumns, labels);
  reconstructions_->setCaption(caption);
}

void ReconstructionView::showSamples(const QVector<QImage>& samples, const QString& caption) {
  samples_->setImages(samples, kColumns);
  samples_->setCaption(caption);
}

void ReconstructionView::showUnavailable(const QString& reconstructionsWhy,
                                         const QString& samplesWhy) {
  reconstructions_->setMessage(reconstructionsWhy);
  reconstructions_->setCaption({});
  samples_->setMessage(samplesWhy);
  samples_->setCaption({});
}

void ReconstructionView::attach(Workspace* workspace, InferenceWorker* inference) {
  workspace_ = workspace;
  inference_ = inference;
  connect(workspace, &Workspace::datasetChanged, this, &ReconstructionView::refreshReconstructions);
  connect(workspace, &Workspace::modelChanged, this, &ReconstructionView::refresh);
  connect(this, &ReconstructionView::refreshRequested, this, &ReconstructionView::refresh);
}

void ReconstructionView::refresh() {
  refreshSamples();
  refreshReconstructions();
}

void ReconstructionView::refreshSamples() {
  const ModelPtr model = workspace_->model();
  if (!model) return;
  const ItemShape shape = model->info().input;
  const quint64 seed = sampleSeed();
  const double t = temperature();
  syncClasses(model->info());
  const int cls = sampleClass();
  const QString under = cls >= 0 ? tr(", class %1").arg(model->info().classes[cls]) : QString();
  inference_->submit<std::vector<float>>(
      RequestChannel::Samples, [=] { return samplePrior(*model, kSampleCount, seed, t, cls); },
      [this, shape, seed, t, under](const std::vector<float>& batch) {
        showSamples(toQImages(batch, shape), tr("%1 samples, seed %2, temperature %3%4")
                                                 .arg(kSampleCount)
                                                 .arg(seed)
                                                 .arg(t, 0, 'f', 2)
                                                 .arg(under));
        Q_EMIT samplesShown();
      },
      [this](const QString& message) { samples_->setMessage(tr("No samples: %1").arg(message)); });
}

void ReconstructionView::refreshReconstructions() {
  const ModelPtr model = workspace_->model();
  const DatasetPtr dataset = workspace_->dataset();
  if (!model || !dataset) return;
  const ItemShape shape = model->info().input;
  if (const auto why = whyCannotEncode(model->info(), *dataset)) {
    reconstructions_->setMessage(tr("No reconstructions: %1").arg(*why));
    return;
  }
  const int offset = inputOffset();
  inference_->submit<Reconstructions>(
      RequestChannel::Reconstructions,
      [=] {
        return reconstruct(*model, *dataset,
                           spreadIndices(dataset->size(), kReconstructionCount, offset));
      },
      [this, shape](const Reconstructions& r) {
        showReconstructions(toQImages(r.inputs, shape), toQImages(r.reconstructions, shape),
                            tr("%1 items from #%2, reconstructed from posterior means")
                                .arg(r.indices.size())
                                .arg(r.indices.front()));
        Q_EMIT reconstructionsShown();
      },
      [this](const QString& message) {
        reconstructions_->setMessage(tr("No reconstructions: %1").arg(message));
      });
}

QJsonObject ReconstructionView::figureRecipe() const {
  const ModelPtr model = workspace_ ? workspace_->model() : nullptr;
  const DatasetPtr dataset = workspace_ ? workspace_->dataset() : nullptr;
  if (!model || !dataset) return {};
  std::vector<int64_t> shown = spreadIndices(dataset->size(), kReconstructionCount, inputOffset());
  shown.resize(std::min<size_t>(kFigureItems, shown.size()));
  ComparisonRecipe recipe;
  recipe.models = std::vector<RecipeModel>{recipeModel(model->info().path, false)};
  recipe.items = std::vector<qint64>(shown.begin(), shown.end());
  recipe.samples = kFigureItems;
  recipe.seed = qint64(sampleSeed());
  recipe.temperature = temperature();
  if (sampleClass() >= 0) recipe.cls = model->info().classes[sampleClass()];
  return recipe.toJson();
}

}  // namespace strata
