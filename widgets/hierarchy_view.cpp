#include "widgets/hierarchy_view.h"

#include <QJsonArray>

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QScrollArea>
#include <QSignalBlocker>
#include <QSlider>
#include <QSpinBox>
#include <QTabWidget>
#include <QVBoxLayout>

#include "core/base/inference_worker.h"
#include "core/base/request_channel.h"
#include "core/data/image_convert.h"
#include "core/figures/recipe.h"
#include "core/figures/recipe_params.h"
#include "core/model/hierarchy.h"
#include "core/model/layer_groups.h"
#include "core/model/model_ops.h"
#include "widgets/image_grid.h"
#include "widgets/kl_heatmap.h"
#include "widgets/temperature_controls.h"

namespace strata {
namespace {

QSpinBox* spin(QWidget* parent, int lo, int hi, int value) {
  auto* s = new QSpinBox(parent);
  s->setRange(lo, hi);
  s->setValue(value);
  return s;
}

// A page: a row of controls above a grid.
QWidget* page(QWidget* parent, QHBoxLayout* controls, QWidget* content) {
  auto* w = new QWidget(parent);
  auto* layout = new QVBoxLayout(w);
  layout->addLayout(controls);
  layout->addWidget(content, 1);
  return w;
}

}  // namespace

void HierarchyView::addExportButton(QHBoxLayout* controls, ImageGrid* grid) {
  auto* button = new QPushButton(tr("Export figure…"), this);
  button->setToolTip(tr("This page as a PNG, SVG or PDF figure, with its recipe"));
  controls->addStretch(1);
  controls->addWidget(button);
  connect(button, &QPushButton::clicked, this, [this, grid] {
    if (grid->imageCount() > 0) Q_EMIT figureExportRequested(figureRecipe(), QStringLiteral("png"));
  });
}

HierarchyView::HierarchyView(InferenceWorker* worker, QWidget* parent)
    : QWidget(parent), worker_(worker) {
  pages_ = new QTabWidget(this);
  unavailable_ = new QLabel(this);
  unavailable_->setWordWrap(true);
  unavailable_->hide();

  // Layer-wise resampling
  inputs_ = spin(this, 1, 8, 3);
  inputOffset_ = spin(this, 0, 1000000, 0);
  samples_ = spin(this, 1, 12, 6);
  resamplingSeed_ = spin(this, 0, 1000000, 7);
  auto* runResamplingButton = new QPushButton(tr("Resample"), this);
  auto* c1 = new QHBoxLayout;
  c1->addWidget(new QLabel(tr("Inputs"), this));
  c1->addWidget(inputs_);
  c1->addWidget(new QLabel(tr("from item"), this));
  c1->addWidget(inputOffset_);
  c1->addWidget(new QLabel(tr("Samples"), this));
  c1->addWidget(samples_);
  c1->addWidget(new QLabel(tr("Seed"), this));
  c1->addWidget(resamplingSeed_);
  levelMode_ = new QComboBox(this);
  levelMode_->addItems({tr("Keep: each level"), tr("Keep: top k =")});
  levelMode_->setToolTip(tr("Rows keep the top k layers. Each level: every k for up to %1 layers, "
                            "the end of each layer group for deeper models. Top k: one row per "
                            "input, k from the slider")
                             .arg(kMaxLayerGroups));
  level_ = new QSlider(Qt::Horizontal, this);
  level_->setMinimumWidth(120);
  level_->setEnabled(false);
  levelName_ = new QLabel(this);
  c1->addWidget(levelMode_);
  c1->addWidget(level_);
  c1->addWidget(levelName_);
  c1->addWidget(runResamplingButton);
  resampling_ = new ImageGrid(this);
  addExportButton(c1, resampling_);
  pages_->addTab(page(this, c1, resampling_), tr("Layer-wise resampling"));

  // Temperature
  temperatures_ = new TemperatureControls(this);
  temperatureSeed_ = spin(this, 0, 1000000, 3);
  auto* c2 = new QHBoxLayout;
  c2->addWidget(temperatures_);
  c2->addWidget(new QLabel(tr("Seed"), this));
  c2->addWidget(temperatureSeed_);
  temperatureGrid_ = new ImageGrid(this);
  addExportButton(c2, temperatureGrid_);
  pages_->addTab(page(this, c2, temperatureGrid_), tr("Temperature per layer"));

  // Mixing
  mixA_ = spin(this, 0, 1000000, 0);
  mixB_ = spin(this, 0, 1000000, 1);
  auto* runMixingButton = new QPushButton(tr("Mix"), this);
  auto* c3 = new QHBoxLayout;
  c3->addWidget(new QLabel(tr("Top layers from item A"), this));
  c3->addWidget(mixA_);
  c3->addWidget(new QLabel(tr("lower layers from item B"), this));
  c3->addWidget(mixB_);
  c3->addWidget(runMixingButton);
  mixing_ = new ImageGrid(this);
  addExportButton(c3, mixing_);
  pages_->addTab(page(this, c3, mixing_), tr("Layer mixing"));

  // KL heatmap
  heatmap_ = new KlHeatmap(this);
  auto* scroll = new QScrollArea(this);
  scroll->setWidgetResizable(true);
  scroll->setWidget(heatmap_);
  pages_->addTab(scroll, tr("KL && active units"));

  auto* layout = new QVBoxLayout(this);
  layout->addWidget(unavailable_);
  layout->addWidget(pages_, 1);

  connect(runResamplingButton, &QPushButton::clicked, this, &HierarchyView::runResampling);
  connect(runMixingButton, &QPushButton::clicked, this, &HierarchyView::runMixing);
  connect(temperatureSeed_, &QSpinBox::valueChanged, this, &HierarchyView::runTemperature);
  connect(temperatures_, &TemperatureControls::changed, this, &HierarchyView::runTemperature);
  connect(levelMode_, &QComboBox::currentIndexChanged, this, [this](int mode) {
    level_->setEnabled(mode == 1);
    rebuildLevels();
    runResampling();
  });
  connect(level_, &QSlider::valueChanged, this, [this] {
    rebuildLevels();
    runResampling();
  });
  connect(heatmap_, &KlHeatmap::unitClicked, this, &HierarchyView::unitActivated);
  connect(heatmap_, &KlHeatmap::unitInspectRequested, this, &HierarchyView::unitInspectRequested);
}

bool HierarchyView::showPage(const QString& name) {
  const auto page = hierarchyPageFromName(name);  // the tabs follow the page table
  if (page) pages_->setCurrentIndex(int(*page));
  return page.has_value();
}

void HierarchyView::setModel(ModelPtr model) {
  model_ = std::move(model);
  heatmap_->setData(model_ ? model_->info() : ModelInfo{}, nullptr, {});
  temperatures_->setModel(model_ ? &model_->info() : nullptr);
  {
    const QSignalBlocker block(level_);
    const int layers = model_ ? int(model_->info().layers.size()) : 0;
    level_->setRange(0, layers);
    level_->setValue(layers / 2);
  }
  rebuildLevels();
  refresh();
}

void HierarchyView::setDataset(DatasetPtr dataset) {
  dataset_ = std::move(dataset);
  const int last = dataset_ ? int(std::max<int64_t>(0, dataset_->size() - 1)) : 0;
  for (QSpinBox* s : {inputOffset_, mixA_, mixB_}) s->setMaximum(last);
  refresh();
}

void HierarchyView::setStats(std::shared_ptr<const LatentStats> stats, const QString& source) {
  if (model_) heatmap_->setData(model_->info(), std::move(stats), source);
}

void HierarchyView::rebuildLevels() {
  const bool one = levelMode_->currentIndex() == 1;
  level_->setVisible(one);
  levelName_->setVisible(one);
  if (!model_ || !one) return;
  const int k = level_->value();
  const auto& layers = model_->info().layers;
  levelName_->setText(k == 0 ? tr("0 (none)")
                      : k == int(layers.size())
                          ? tr("%1 (all)").arg(k)
                          : tr("%1 (to %2)").arg(k).arg(layers[size_t(k - 1)].shownName()));
}

void HierarchyView::setResamplingLevel(int k) {
  {
    const QSignalBlocker b1(levelMode_), b2(level_);
    levelMode_->setCurrentIndex(k < 0 ? 0 : 1);
    level_->setEnabled(k >= 0);
    if (k >= 0) level_->setValue(k);
  }
  rebuildLevels();
  runResampling();
}

std::vector<int> HierarchyView::resamplingLevels() const {
  if (levelMode_->currentIndex() != 1) return {};
  return {level_->value()};
}

void HierarchyView::refresh() {
  const bool hierarchical = model_ && model_->info().layers.size() >= 2;
  const bool encodes = model_ && dataset_ && canEncode(model_->info(), *dataset_);
  if (!model_) {
    unavailable_->setText(tr("Open a model to see what its layers control."));
  } else if (!hierarchical) {
    unavailable_->setText(tr("%1 has one latent layer: the per-layer views need two or more. "
                             "Temperature and the KL heatmap still apply.")
                              .arg(model_->info().name));
  } else if (!encodes) {
    unavailable_->setText(
        tr("The open dataset does not fit this model, so resampling and mixing "
           "(which encode dataset items) are off."));
  }
  unavailable_->setVisible(!model_ || !hierarchical || !encodes);
  pages_->setTabEnabled(0, hierarchical && encodes);
  pages_->setTabEnabled(2, hierarchical && encodes);
  if (!model_) return;
  runTemperature();
  if (hierarchical && encodes) {
    runResampling();
    runMixing();
  }
}

void HierarchyView::runResampling() {
  if (!model_ || !dataset_) return;
  const ModelPtr model = model_;
  const DatasetPtr dataset = dataset_;
  const std::vector<int64_t> items =
      spreadIndices(dataset->size(), inputs_->value(), inputOffset_->value());
  const int samples = samples_->value();
  const quint64 seed = quint64(resamplingSeed_->value());
  const std::vector<int> levels = resamplingLevels();
  worker_->submit<LayerwiseResampling>(
      RequestChannel::HierarchyResampling,
      [=] { return layerwiseResampling(*model, *dataset, items, samples, seed, levels); },
      [this, model, items, seed](const LayerwiseResampling& r) {
        const ItemShape shape = model->info().input;
        QVector<QImage> cells;
        QStringList labels;
        QVector<int> marks;
        const int columns = r.samples + 1;
        for (int i = 0; i < r.inputs; ++i) {
          for (int k = 0; k < r.levels; ++k) {
            // First column: the input itself, on the last row (the one keeping most layers).
            cells << (k == r.levels - 1 ? toQImages(r.originals, shape, size_t(i), 1).front()
                                        : QImage());
            cells += toQImages(r.images, shape,
                               (size_t(i) * size_t(r.levels) + size_t(k)) * size_t(r.samples),
                               size_t(r.samples));
            const QString kept = keptLayersText(model->info(), r.kept[size_t(k)]);
            labels << tr("#%1 keep %2").arg(items[size_t(i)]).arg(kept);
            if (k == r.levels - 1) marks << int(cells.size()) - r.samples - 1;
          }
        }
        resampling_->setImages(cells, columns, labels);
        resampling_->setMarkedCells(marks);
        resampling_->setCaption(
            tr("Top k layers kept at the posterior means, the rest sampled from "
               "the conditional prior (seed %1; same noise in every row). "
               "Outlined: the input; its row is the reconstruction.")
                .arg(seed));
        Q_EMIT resamplingShown();
      },
      [this](const QString& message) {
        resampling_->setMessage(tr("Layer-wise resampling failed: %1").arg(message));
      });
}

void HierarchyView::runTemperature() {
  if (!model_) return;
  const ModelPtr model = model_;
  const std::vector<double> temps = temperatures_->layerTemperatures();
  const QString text = temperatures_->describe();
  const quint64 seed = quint64(temperatureSeed_->value());
  worker_->submit<std::vector<float>>(
      RequestChannel::HierarchyTemperature,
      [=] { return temperatureSamples(*model, temps, 32, seed); },
      [this, model, text, seed](const std::vector<float>& images) {
        temperatureGrid_->setImages(toQImages(images, model->info().input), 8);
        temperatureGrid_->setCaption(
            tr("32 prior samples, seed %1, temperatures: %2 (the noise stays "
               "fixed; only the temperatures change the picture)")
                .arg(seed)
                .arg(text));
        Q_EMIT temperatureShown();
      },
      [this](const QString& message) {
        temperatureGrid_->setMessage(
            tr("Sampling with these temperatures failed: %1").arg(message));
      });
}

void HierarchyView::runMixing() {
  if (!model_ || !dataset_) return;
  const ModelPtr model = model_;
  const DatasetPtr dataset = dataset_;
  const int64_t a = mixA_->value(), b = mixB_->value();
  worker_->submit<std::vector<float>>(
      RequestChannel::HierarchyMixing, [=] { return layerMixing(*model, *dataset, a, b); },
      [this, model, dataset, a, b](const std::vector<float>& images) {
        QVector<QImage> cells = {datasetImage(*dataset, a), datasetImage(*dataset, b)};
        cells += toQImages(images, model->info().input);
        mixing_->setImages(cells, int(cells.size()));
        QStringList columns = {tr("A"), tr("B")};
        for (const int s : levelsShown(model->info())) columns << QString::number(s);
        mixing_->setCaption(
            tr("Inputs A = #%1, B = #%2, then s = %3: the top s layers from A, the rest "
               "from B (posterior means); s = 0 reconstructs B, s = L reconstructs A")
                .arg(a)
                .arg(b)
                .arg(columns.mid(2).join(", ")));
        mixing_->setMarkedCells({0, 1});
        Q_EMIT mixingShown();
      },
      [this](const QString& message) {
        mixing_->setMessage(tr("Layer mixing failed: %1").arg(message));
      });
}

QJsonObject HierarchyView::figureRecipe() const {
  if (!model_) return {};
  HierarchyRecipe recipe;
  recipe.models = std::vector<RecipeModel>{recipeModel(model_->info().path, false)};
  const auto page = HierarchyPage(pages_->currentIndex());  // the tabs follow the page table
  if (page == HierarchyPage::Temperature) {
    recipe.page = page;
    recipe.temperatures = temperatures_->layerTemperatures();
    recipe.count = 32;
    recipe.seed = qint64(temperatureSeed_->value());
    return recipe.toJson();
  }
  if (!dataset_ || !model_->info().hasEncoder) return {};
  if (page == HierarchyPage::Kl) {  // over as many items as the window's statistics
    recipe.page = page;
    recipe.statsItems = qint64(std::min<int64_t>(dataset_->size(), kLatentStatsItems));
  } else if (page == HierarchyPage::Mixing) {
    recipe.page = page;
    recipe.pair = std::vector<qint64>{qint64(mixA_->value()), qint64(mixB_->value())};
  } else {
    const std::vector<int64_t> items =
        spreadIndices(dataset_->size(), inputs_->value(), inputOffset_->value());
    recipe.items = std::vector<qint64>(items.begin(), items.end());
    recipe.samples = samples_->value();
    recipe.seed = qint64(resamplingSeed_->value());
    const std::vector<int> levels = resamplingLevels();
    if (!levels.empty()) recipe.levels = std::vector<qint64>(levels.begin(), levels.end());
  }
  return recipe.toJson();
}

}  // namespace strata
