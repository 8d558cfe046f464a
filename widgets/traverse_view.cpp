#include "widgets/traverse_view.h"

#include <QJsonArray>

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPushButton>
#include <QScrollArea>
#include <QScrollBar>
#include <QSlider>
#include <QSpinBox>
#include <QSplitter>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

#include "core/base/errors.h"
#include "core/base/inference_worker.h"
#include "core/base/request_channel.h"
#include "core/data/image_convert.h"
#include "core/figures/recipe.h"
#include "core/figures/recipe_params.h"
#include "core/model/latent_stats.h"
#include "core/model/layer_groups.h"
#include "core/model/model_ops.h"
#include "widgets/image_grid.h"
#include "widgets/pixel_image_label.h"

namespace strata {
namespace {

constexpr int kSliderSteps = 1000;
constexpr int kAnimationSteps = 24;  // frames one way; the GIF goes there and back
// Sliders per layer: the highest-KL units or channels, so deep and wide models stay usable.
constexpr int kMaxSlidersPerLayer = 64;

}  // namespace

TraverseView::TraverseView(InferenceWorker* worker, QWidget* parent)
    : QWidget(parent), worker_(worker) {
  QGroupBox* startBox = buildStartBox();
  QGroupBox* rangeBox = buildRangeBox();
  QWidget* sliders = buildSliderArea();
  auto* left = new QWidget(this);
  auto* leftLayout = new QVBoxLayout(left);
  leftLayout->setContentsMargins(0, 0, 0, 0);
  auto* topControls = new QHBoxLayout;
  topControls->addWidget(startBox);
  topControls->addWidget(rangeBox);
  leftLayout->addLayout(topControls);
  leftLayout->addWidget(sliders, 1);

  QLayout* imageRow = buildImageRow();
  QLayout* gridControls = buildGridControls();
  auto* right = new QWidget(this);
  auto* rightLayout = new QVBoxLayout(right);
  rightLayout->setContentsMargins(0, 0, 0, 0);
  rightLayout->addLayout(imageRow, 2);
  rightLayout->addWidget(imageCaption_);
  rightLayout->addLayout(gridControls);
  rightLayout->addWidget(grid_, 3);

  auto* splitter = new QSplitter(this);
  splitter->addWidget(left);
  splitter->addWidget(right);
  splitter->setStretchFactor(1, 1);
  auto* layout = new QHBoxLayout(this);
  layout->addWidget(splitter);
  connectSettings();
}

QGroupBox* TraverseView::buildStartBox() {
  auto* box = new QGroupBox(tr("Start"), this);
  startKind_ = new QComboBox(box);
  startKind_->addItems({tr("Dataset item, posterior mean"), tr("Dataset item, posterior sample"),
                        tr("Prior sample")});
  startItem_ = new QSpinBox(box);
  startItem_->setRange(0, 0);
  startSeed_ = new QSpinBox(box);
  startSeed_->setRange(0, 1000000);
  startSeed_->setValue(1);
  auto* use = new QPushButton(tr("Start here"), box);
  startClass_ = new QComboBox(box);
  startClass_->setToolTip(
      tr("The class y the latents are decoded under (conditional models): as the start was "
         "encoded, or any class of the model"));
  startLabel_ = new QLabel(box);
  startLabel_->setWordWrap(true);
  auto* form = new QFormLayout(box);
  form->addRow(startKind_);
  form->addRow(tr("Item"), startItem_);
  form->addRow(tr("Seed"), startSeed_);
  form->addRow(tr("Class"), startClass_);
  form->setRowVisible(startClass_, false);
  form->addRow(use);
  form->addRow(startLabel_);
  connect(use, &QPushButton::clicked, this, &TraverseView::resetStart);
  connect(startClass_, &QComboBox::currentIndexChanged, this, &TraverseView::resetStart);
  return box;
}

QGroupBox* TraverseView::buildRangeBox() {
  auto* box = new QGroupBox(tr("Slider range"), this);
  rangeMode_ = new QComboBox(box);
  rangeMode_->addItems({tr("Prior mean ± k prior σ"), tr("Posterior mean ± k posterior σ"),
                        tr("Data 1%–99% quantiles"), tr("Data min–max")});
  rangeK_ = new QDoubleSpinBox(box);
  rangeK_->setRange(0.5, 10);
  rangeK_->setValue(3);
  rangeK_->setSingleStep(0.5);
  rangeLabel_ = new QLabel(box);
  rangeLabel_->setWordWrap(true);
  propagation_ = new QComboBox(box);
  propagation_->addItems({tr("Regenerate lower layers (fixed noise)"), tr("Keep lower layers")});
  propagation_->setToolTip(
      tr("When a unit moves, the layers below it are either drawn again from "
         "their conditional prior with the noise that reproduces the start, "
         "or kept as they are"));
  spatialMode_ = new QComboBox(box);
  spatialMode_->addItems({tr("Whole channel (offset)"), tr("One position")});
  spatialRow_ = new QSpinBox(box);
  spatialColumn_ = new QSpinBox(box);
  auto* position = new QHBoxLayout;
  position->addWidget(new QLabel(tr("row"), box));
  position->addWidget(spatialRow_);
  position->addWidget(new QLabel(tr("col"), box));
  position->addWidget(spatialColumn_);
  auto* reset = new QPushButton(tr("Reset sliders"), box);
  auto* form = new QFormLayout(box);
  form->addRow(rangeMode_);
  form->addRow(tr("k"), rangeK_);
  form->addRow(rangeLabel_);
  form->addRow(tr("Below"), propagation_);
  form->addRow(tr("Spatial"), spatialMode_);
  form->addRow(position);
  form->addRow(reset);
  connect(reset, &QPushButton::clicked, this, [this] {
    if (start_) applyStart(*start_);
  });
  return box;
}

QWidget* TraverseView::buildSliderArea() {
  slidersHost_ = new QWidget(this);
  slidersLayout_ = new QVBoxLayout(slidersHost_);
  slidersLayout_->setContentsMargins(0, 0, 0, 0);
  auto* scroll = new QScrollArea(this);
  scroll->setWidgetResizable(true);
  scroll->setWidget(slidersHost_);
  scroll->setMinimumWidth(380);
  layerFilter_ = new QLineEdit(this);
  layerFilter_->setPlaceholderText(tr("Filter layers by name or group"));
  layerFilter_->setClearButtonEnabled(true);
  connect(layerFilter_, &QLineEdit::textChanged, this, &TraverseView::filterLayers);
  auto* area = new QWidget(this);
  auto* layout = new QVBoxLayout(area);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(layerFilter_);
  layout->addWidget(scroll, 1);
  return area;
}

void TraverseView::setLayerFilter(const QString& text) {
  layerFilter_->setText(text);
}

// Shows the layer boxes whose title holds the filter text (names, display names, groups).
void TraverseView::filterLayers() {
  const QString text = layerFilter_->text().trimmed();
  for (int i = 0; i < slidersLayout_->count(); ++i)
    if (auto* box = qobject_cast<QGroupBox*>(slidersLayout_->itemAt(i)->widget()))
      box->setVisible(text.isEmpty() || box->title().contains(text, Qt::CaseInsensitive));
}

QLayout* TraverseView::buildImageRow() {
  image_ = new PixelImageLabel(this);
  image_->setMinimumSize(224, 224);
  startImage_ = new PixelImageLabel(this);
  startImage_->setMinimumSize(84, 84);
  startImage_->setMaximumSize(112, 112);
  imageCaption_ = new QLabel(this);
  imageCaption_->setWordWrap(true);
  auto* row = new QHBoxLayout;
  row->addWidget(image_, 3);
  auto* side = new QVBoxLayout;
  side->addWidget(new QLabel(tr("Start"), this));
  side->addWidget(startImage_);
  side->addStretch(1);
  row->addLayout(side, 1);
  return row;
}

QLayout* TraverseView::buildGridControls() {
  gridRowsCount_ = new QSpinBox(this);
  gridRowsCount_->setRange(1, 32);
  gridRowsCount_->setValue(8);
  gridRowsCount_->setToolTip(
      tr("Rows: the last moved unit first, then the units with the highest KL"));
  gridSteps_ = new QSpinBox(this);
  gridSteps_->setRange(3, 25);
  gridSteps_->setValue(9);
  auto* makeGridButton = new QPushButton(tr("Make grid"), this);
  auto* png = new QPushButton(tr("Figure…"), this);
  png->setToolTip(tr("The grid as a PNG, SVG or PDF figure, with its recipe"));
  auto* gif = new QPushButton(tr("GIF…"), this);
  gif->setToolTip(tr("The unit last moved, traversed there and back, as a GIF with its recipe"));
  auto* controls = new QHBoxLayout;
  controls->addWidget(new QLabel(tr("Rows"), this));
  controls->addWidget(gridRowsCount_);
  controls->addWidget(new QLabel(tr("Steps"), this));
  controls->addWidget(gridSteps_);
  controls->addWidget(makeGridButton);
  controls->addStretch(1);
  controls->addWidget(new QLabel(tr("Export:"), this));
  controls->addWidget(png);
  controls->addWidget(gif);
  grid_ = new ImageGrid(this);
  grid_->setMessage(
      tr("Make a grid: rows are units, columns are steps over each unit's range; "
         "the starting value is outlined."));
  connect(makeGridButton, &QPushButton::clicked, this, &TraverseView::makeGrid);
  connect(png, &QPushButton::clicked, this, [this] {
    if (grid_->imageCount() > 0)
      Q_EMIT figureExportRequested(figureRecipe(), QStringLiteral("png"));
  });
  connect(gif, &QPushButton::clicked, this, [this] {
    const QJsonObject recipe = animationRecipe();
    if (!recipe.isEmpty()) Q_EMIT figureExportRequested(recipe, QStringLiteral("gif"));
  });
  return controls;
}

void TraverseView::connectSettings() {
  connect(rangeMode_, &QComboBox::currentIndexChanged, this, &TraverseView::updateRanges);
  connect(rangeK_, &QDoubleSpinBox::valueChanged, this, &TraverseView::updateRanges);
  connect(propagation_, &QComboBox::currentIndexChanged, this, &TraverseView::decodeCurrent);
  connect(spatialMode_, &QComboBox::currentIndexChanged, this, &TraverseView::rebuildSliders);
  connect(spatialRow_, &QSpinBox::valueChanged, this, &TraverseView::rebuildSliders);
  connect(spatialColumn_, &QSpinBox::valueChanged, this, &TraverseView::rebuildSliders);
}

TraverseView::~TraverseView() = default;

void TraverseView::setModel(ModelPtr model) {
  model_ = std::move(model);
  modelGeneration_.next();  // a start still being computed belongs to the previous model
  stats_.reset();
  start_.reset();
  if (!model_) return;
  const bool hierarchical = model_->info().layers.size() > 1;
  propagation_->setEnabled(hierarchical);
  propagation_->setCurrentIndex(0);
  int maxH = 0, maxW = 0;
  for (const LayerInfo& l : model_->info().layers)
    if (l.shape.size() == 3)
      maxH = std::max<int>(maxH, int(l.shape[1])), maxW = std::max<int>(maxW, int(l.shape[2]));
  spatialMode_->setEnabled(maxH > 0);
  spatialRow_->setRange(0, std::max(0, maxH - 1));
  spatialColumn_->setRange(0, std::max(0, maxW - 1));
  spatialRow_->setValue(maxH / 2);
  spatialColumn_->setValue(maxW / 2);
  {
    const QSignalBlocker quiet(startClass_);
    startClass_->clear();
    startClass_->addItem(tr("as encoded (q(y|x)'s class)"));
    startClass_->addItems(model_->info().classes);
    if (auto* form = qobject_cast<QFormLayout*>(startClass_->parentWidget()->layout()))
      form->setRowVisible(startClass_, model_->info().conditional());
  }
  if (!model_->info().hasEncoder) startKind_->setCurrentIndex(2);
  startKind_->setItemData(0, model_->info().hasEncoder ? QVariant() : QVariant(0),
                          Qt::UserRole - 1);
  startKind_->setItemData(1, model_->info().hasEncoder ? QVariant() : QVariant(0),
                          Qt::UserRole - 1);
  resetStart();
}

void TraverseView::setDataset(DatasetPtr dataset) {
  dataset_ = std::move(dataset);
  startItem_->setRange(0, dataset_ ? int(std::max<int64_t>(0, dataset_->size() - 1)) : 0);
  stats_.reset();
  if (model_) resetStart();  // item numbers refer to the new dataset
}

void TraverseView::setStats(std::shared_ptr<const LatentStats> stats) {
  stats_ = std::move(stats);
  rebuildSliders();
}

void TraverseView::startFromItem(int64_t item) {
  startKind_->setCurrentIndex(0);
  startItem_->setValue(int(item));
  resetStart();
}

void TraverseView::focusUnit(int layer, int unit) {
  for (size_t r = 0; r < rows_.size(); ++r) {
    const UnitGroup& g = rows_[r].group;
    if (g.layer == layer && std::find(g.units.begin(), g.units.end(), unit) != g.units.end()) {
      lastMoved_ = int(r);
      if (auto* box = qobject_cast<QGroupBox*>(rows_[r].slider->parentWidget()->parentWidget())) {
        box->setVisible(true);
        box->setChecked(true);  // unfold a folded layer
      }
      rows_[r].slider->setFocus();
      if (auto* scroll = qobject_cast<QScrollArea*>(slidersHost_->parentWidget()->parentWidget()))
        scroll->ensureWidgetVisible(rows_[r].slider);
      Q_EMIT statusMessage(tr("Traversing %1").arg(g.label));
      makeGrid();
      return;
    }
  }
}

RangeMode TraverseView::rangeMode() const {
  return RangeMode(rangeMode_->currentIndex());
}

Propagation TraverseView::propagation() const {
  return propagation_->currentIndex() == 0 ? Propagation::Regenerate : Propagation::KeepLower;
}

void TraverseView::resetStart() {
  if (!model_) return;
  const ModelPtr model = model_;
  const DatasetPtr dataset = dataset_;
  const int kind = startKind_->currentIndex();
  const int64_t item = startItem_->value();
  const quint64 seed = quint64(startSeed_->value());
  const int cls = startClass_->currentIndex() - 1;  // -1: as encoded
  const bool encodes = dataset && canEncode(model->info(), *dataset);
  // Until a dataset the model can encode is open, start from a prior sample.
  const bool fromPrior = kind == 2 || !encodes;
  if (kind < 2 && !encodes && dataset)
    Q_EMIT statusMessage(
        tr("Starting from a prior sample: this model cannot encode the open dataset's items"));
  worker_->submit<LatentStart>(
      RequestChannel::TraverseStart,
      [=] {
        const LatentStart start =
            fromPrior ? strata::startFromPrior(*model, seed, 1.0)
                      : strata::startFromItem(*model, *dataset, item, kind == 1, seed);
        return cls >= 0 ? underClass(*model, start, cls) : start;
      },
      modelGeneration_.whileCurrent([this, model,
                                     fellBack = kind < 2 && fromPrior](LatentStart start) {
        if (fellBack)
          start.description += tr(" (this model takes %1 x %2 x %3 items, unlike the open dataset)")
                                   .arg(model->info().input.channels)
                                   .arg(model->info().input.height)
                                   .arg(model->info().input.width);
        applyStart(start);
      }),
      modelGeneration_.whileCurrent([this](const QString& message) {
        startLabel_->setText(tr("No start: %1").arg(message));
        reportFailure(tr("Finding the start"), message);
      }));
}

void TraverseView::reportFailure(const QString& what, const QString& message) {
  Q_EMIT statusMessage(tr("%1 failed: %2").arg(what, message));
}

QString TraverseView::startText() const {
  return startLabel_->text();
}

void TraverseView::setStartClass(int cls) {
  startClass_->setCurrentIndex(cls + 1);
}

void TraverseView::applyStart(const LatentStart& start) {
  start_ = std::make_shared<const LatentStart>(start);
  startLabel_->setText(start.description);
  if (start.item >= 0 && dataset_)
    startImage_->setImage(datasetImage(*dataset_, start.item));
  else
    startImage_->setImage({});
  rebuildSliders();
  decodeCurrent();
}

void TraverseView::rebuildSliders() {
  while (QLayoutItem* item = slidersLayout_->takeAt(0)) {
    delete item->widget();
    delete item;
  }
  rows_.clear();
  lastMoved_ = -1;
  if (!model_ || !start_) return;
  const ModelInfo& info = model_->info();
  const std::vector<LayerGroup> groups = layerGroups(info);
  const int firstGroupEnd =
      groups.size() < info.layers.size() ? groups.front().count : int(info.layers.size());
  for (int l = 0; l < int(info.layers.size()); ++l) {
    const LayerInfo& layer = info.layers[size_t(l)];
    const LayerStats* ls = stats_ ? &stats_->layers[size_t(l)] : nullptr;
    QString title = layer.title();
    if (ls) {
      title += tr(" — KL %1 nats, %2/%3 active, %4 collapsed")
                   .arg(ls->kl, 0, 'f', 2)
                   .arg(ls->activeUnits)
                   .arg(layer.size())
                   .arg(ls->collapsedUnits);
      if (ls->collapsed) title += tr(" — LAYER COLLAPSED");
    }
    auto* box = new QGroupBox(title, slidersHost_);
    // A layer's sliders fold away with its box; a deep model opens with its first group
    // unfolded only, so 60 layers start as a list of titles.
    auto* content = new QWidget(box);
    (new QVBoxLayout(box))->addWidget(content);
    box->layout()->setContentsMargins(4, 2, 4, 2);
    box->setCheckable(true);
    connect(box, &QGroupBox::toggled, content, &QWidget::setVisible);
    box->setChecked(l < firstGroupEnd);
    content->setVisible(l < firstGroupEnd);
    auto* form = new QGridLayout(content);
    form->setContentsMargins(0, 0, 0, 0);
    form->setVerticalSpacing(2);
    int candidates = 0;
    const std::vector<std::pair<UnitGroup, double>> groups = sliderGroups(l, &candidates);
    if (groups.size() < size_t(candidates)) {
      auto* note = new QLabel(tr("Showing the %1 %2 with the highest KL of %3.")
                                  .arg(groups.size())
                                  .arg(layer.shape.size() == 3 ? tr("channels") : tr("units"))
                                  .arg(candidates),
                              box);
      note->setStyleSheet(QStringLiteral("color: #777"));
      form->addWidget(note, int(groups.size()), 0, 1, 3);
    }
    int row = 0;
    for (const auto& [group, kl] : groups) addSliderRow(form, row++, group, ls ? &kl : nullptr);
    form->setColumnStretch(1, 1);
    slidersLayout_->addWidget(box);
  }
  slidersLayout_->addStretch(1);
  filterLayers();
  updateRanges();
}

// What moves in layer `l`: units, or channels (whole or at one position) for spatial layers,
// with their KL (0 without statistics). A layer shows its kMaxSlidersPerLayer highest-KL
// candidates only: a layer of millions of units would otherwise build millions of widgets (and
// its UnitGroups alone gigabytes).
std::vector<std::pair<UnitGroup, double>> TraverseView::sliderGroups(int l,
                                                                     int* candidateCount) const {
  const ModelInfo& info = model_->info();
  const LayerInfo& layer = info.layers[size_t(l)];
  const LayerStats* ls = stats_ ? &stats_->layers[size_t(l)] : nullptr;
  const bool wholeChannels = spatialMode_->currentIndex() == 0;
  const bool spatial = layer.shape.size() == 3;
  const int hw = spatial ? int(layer.shape[1] * layer.shape[2]) : 1;
  const int at =
      spatial
          ? std::min(spatialRow_->value() * int(layer.shape[2]) + spatialColumn_->value(), hw - 1)
          : 0;
  const int candidates = spatial ? int(layer.shape[0]) : int(layer.size());
  auto groupOf = [&](int i) {
    if (!spatial) return singleUnit(info, l, i);
    return wholeChannels ? wholeChannel(info, l, i) : singleUnit(info, l, i * hw + at);
  };
  auto klOf = [&](int i) {
    if (!ls) return 0.0;
    if (!spatial) return ls->units[size_t(i)].kl;
    if (!wholeChannels) return ls->units[size_t(i) * size_t(hw) + size_t(at)].kl;
    double kl = 0;
    for (int u = i * hw; u < (i + 1) * hw; ++u) kl += ls->units[size_t(u)].kl;
    return kl;
  };
  std::vector<std::pair<int, double>> ranked;  // candidate and its KL
  ranked.reserve(size_t(candidates));
  for (int i = 0; i < candidates; ++i) ranked.push_back({i, klOf(i)});
  const size_t shown = std::min(ranked.size(), size_t(kMaxSlidersPerLayer));
  std::partial_sort(ranked.begin(), ranked.begin() + int64_t(shown), ranked.end(),
                    [](const auto& a, const auto& b) {
                      return a.second != b.second ? a.second > b.second : a.first < b.first;
                    });
  std::vector<std::pair<UnitGroup, double>> groups;
  for (size_t i = 0; i < shown; ++i) groups.push_back({groupOf(ranked[i].first), ranked[i].second});
  *candidateCount = candidates;
  return groups;
}

// One slider row of a layer's box: name (with its KL when statistics exist; greyed out when
// collapsed), slider and value.
void TraverseView::addSliderRow(QGridLayout* form, int row, const UnitGroup& group,
                                const double* kl) {
  QWidget* box = form->parentWidget();
  SliderRow r;
  r.group = group;
  r.current = startValue(*start_, group);
  const bool collapsed = kl && *kl < LatentStats::kCollapsedUnitKl * double(group.units.size());
  r.name = new QLabel(kl ? QStringLiteral("%1  <span style='color:#777'>KL %2</span>")
                               .arg(group.label)
                               .arg(*kl, 0, 'f', 2)
                         : group.label,
                      box);
  r.name->setTextFormat(Qt::RichText);
  if (group.units.size() == 1 && !group.additive) {
    r.name->setText(r.name->text() +
                    QStringLiteral("  <a href='inspect'>%1</a>").arg(tr("inspect")));
    r.name->setToolTip(tr("Open the unit inspector on %1").arg(group.label));
    const int layer = group.layer, unit = group.units.front();
    connect(r.name, &QLabel::linkActivated, this,
            [this, layer, unit] { Q_EMIT unitInspectRequested(layer, unit); });
  }
  r.slider = new QSlider(Qt::Horizontal, box);
  r.slider->setRange(0, kSliderSteps);
  r.slider->setMinimumWidth(120);
  r.value = new QLabel(box);
  r.value->setMinimumWidth(52);
  r.value->setAlignment(Qt::AlignRight | Qt::AlignVCenter);
  if (collapsed) {
    r.name->setEnabled(false);
    r.value->setEnabled(false);
    r.name->setToolTip(
        tr("Collapsed: KL below %1 nats per unit; the posterior equals the conditional prior")
            .arg(LatentStats::kCollapsedUnitKl));
  }
  form->addWidget(r.name, row, 0);
  form->addWidget(r.slider, row, 1);
  form->addWidget(r.value, row, 2);
  const int index = int(rows_.size());
  connect(r.slider, &QSlider::valueChanged, this, [this, index] { onSliderMoved(index); });
  rows_.push_back(r);
}

void TraverseView::updateRanges() {
  if (!start_) return;
  rangeK_->setEnabled(rangeMode() == RangeMode::PriorSigma ||
                      rangeMode() == RangeMode::PosteriorSpread);
  rangeLabel_->setText(describeRangeMode(rangeMode(), rangeK_->value()));
  for (SliderRow& r : rows_) {
    try {
      r.range = unitRange(rangeMode(), rangeK_->value(), *start_, stats_.get(), r.group);
      r.slider->setEnabled(true);
    } catch (const std::invalid_argument& e) {
      rangeLabel_->setText(QString::fromUtf8(e.what()));
      r.slider->setEnabled(false);
      continue;
    }
    const double fraction = (r.current - r.range.low) / std::max(1e-12, r.range.high - r.range.low);
    const QSignalBlocker block(r.slider);
    r.slider->setValue(int(std::lround(std::clamp(fraction, 0.0, 1.0) * kSliderSteps)));
    r.value->setText(QString::number(r.current, 'f', 2));
  }
}

void TraverseView::setSliderFraction(int row, double fraction) {
  rows_[size_t(row)].slider->setValue(int(std::lround(fraction * kSliderSteps)));
}

QString TraverseView::focusedUnitLabel() const {
  return lastMoved_ >= 0 ? rows_[size_t(lastMoved_)].group.label : QString();
}

QImage TraverseView::currentImage() const {
  return current_;
}

void TraverseView::onSliderMoved(int row) {
  SliderRow& r = rows_[size_t(row)];
  r.current = r.range.low + (r.range.high - r.range.low) * r.slider->value() / double(kSliderSteps);
  r.value->setText(QString::number(r.current, 'f', 2));
  lastMoved_ = row;
  decodeCurrent();
}

void TraverseView::decodeCurrent() {
  if (!model_ || !start_) return;
  std::vector<Edit> edits;
  for (const SliderRow& r : rows_)
    if (std::abs(r.current - startValue(*start_, r.group)) > 1e-9)
      edits.push_back({r.group, r.current});
  const ModelPtr model = model_;
  const auto start = start_;
  const Propagation propagation = this->propagation();
  const ItemShape shape = model->info().input;
  const QString moved = lastMoved_ >= 0 ? rows_[size_t(lastMoved_)].group.label : QString();
  const int changed = int(edits.size());
  worker_->submit<std::vector<float>>(
      RequestChannel::Traverse,
      [=] { return model->decode(applyEdits(*model, *start, edits, propagation)); },
      [this, shape, moved, changed](std::vector<float> pixels) {
        current_ = toQImage(pixels.data(), shape);
        image_->setImage(current_);
        imageCaption_->setText(changed == 0
                                   ? tr("The start, decoded")
                                   : tr("%1 unit(s) moved; last: %2").arg(changed).arg(moved));
        Q_EMIT imageShown();
      },
      [this](const QString& message) {
        imageCaption_->setText(tr("Could not decode this position: %1").arg(message));
        reportFailure(tr("Decoding the traversal"), message);
      });
}

std::vector<UnitGroup> TraverseView::gridRows() const {
  std::vector<UnitGroup> groups;
  if (lastMoved_ >= 0) groups.push_back(rows_[size_t(lastMoved_)].group);
  // Then by KL over the whole model when statistics exist, else in slider order.
  std::vector<std::pair<double, int>> order;
  for (size_t r = 0; r < rows_.size(); ++r) {
    double kl = 0;
    if (stats_)
      for (int u : rows_[r].group.units)
        kl += stats_->layers[size_t(rows_[r].group.layer)].units[size_t(u)].kl;
    order.push_back({-kl, int(r)});
  }
  std::stable_sort(order.begin(), order.end());
  for (const auto& [negKl, r] : order) {
    if (int(groups.size()) >= gridRowsCount_->value()) break;
    if (r != lastMoved_) groups.push_back(rows_[size_t(r)].group);
  }
  return groups;
}

void TraverseView::makeGrid() {
  if (!model_ || !start_) return;
  const ModelPtr model = model_;
  const auto start = start_;
  const auto stats = stats_;
  const std::vector<UnitGroup> rows = gridRows();
  const int steps = gridSteps_->value();
  const RangeMode mode = rangeMode();
  const double k = rangeK_->value();
  const Propagation propagation = this->propagation();
  const ItemShape shape = model->info().input;
  const QString caption =
      tr("%1; %2; %3")
          .arg(start->description, describeRangeMode(mode, k),
               propagation == Propagation::Regenerate ? tr("lower layers regenerated")
                                                      : tr("lower layers kept"));
  worker_->submit<TraversalGrid>(
      RequestChannel::TraverseGrid,
      [=] { return traversalGrid(*model, *start, stats.get(), rows, steps, mode, k, propagation); },
      [this, rows, shape, caption](TraversalGrid g) {
        QStringList labels;
        for (const UnitGroup& row : rows) labels << row.label;
        grid_->setImages(toQImages(g.images, shape), g.steps, labels);
        grid_->setCaption(caption);
        QVector<int> marks;
        for (int r = 0; r < g.rows; ++r) marks << r * g.steps + g.startColumn[size_t(r)];
        grid_->setMarkedCells(marks);
        Q_EMIT gridShown();
      },
      [this](const QString& message) {
        grid_->setMessage(tr("No traversal grid: %1").arg(message));
        reportFailure(tr("The traversal grid"), message);
      });
}

QJsonObject TraverseView::animationRecipe() const {
  QJsonObject recipe = figureRecipe();
  if (recipe.isEmpty()) return {};
  std::vector<UnitGroup> candidates = gridRows();
  if (lastMoved_ >= 0) candidates.insert(candidates.begin(), rows_[size_t(lastMoved_)].group);
  for (const UnitGroup& g : candidates)
    if (g.units.size() == 1 && !g.additive) {  // channels cannot be named in a recipe yet
      recipe["units"] = QJsonArray{g.label};
      recipe["steps"] = kAnimationSteps;
      return recipe;
    }
  return {};
}

QJsonObject TraverseView::figureRecipe() const {
  if (!model_ || !start_) return {};
  TraversalRecipe recipe;
  recipe.units.emplace();
  for (const UnitGroup& g : gridRows())
    if (g.units.size() == 1 && !g.additive) recipe.units->append(g.label);  // channels: not yet
  if (recipe.units->isEmpty()) return {};
  recipe.models = std::vector<RecipeModel>{recipeModel(model_->info().path, false)};
  TraversalRecipe::Start start;
  if (start_->item >= 0) {
    start.item = qint64(start_->item);
  } else {
    start.priorSeed = qint64(startSeed_->value());
    start.temperature = 1.0;
  }
  if (startClass_->currentIndex() > 0) start.cls = startClass_->currentText();
  recipe.start = start;
  recipe.steps = gridSteps_->value();
  recipe.range = TraversalRecipe::Range{rangeMode(), rangeK_->value()};
  recipe.propagation = propagation();
  recipe.statsItems = qint64(kLatentStatsItems);
  return recipe.toJson();
}

}  // namespace strata
