#include "widgets/map_controls.h"

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QSpinBox>

#include "core/model/model_ops.h"

namespace strata {

MapControls::MapControls(QWidget* parent) : QWidget(parent) {
  source_ = new QComboBox(this);
  samples_ = new QComboBox(this);
  samples_->addItems({tr("means"), tr("samples")});
  samples_->setToolTip(tr("Posterior means or one posterior sample per item"));
  method_ = new QComboBox(this);
  method_->addItems({tr("PCA"), tr("t-SNE"), tr("UMAP")});
  perplexity_ = new QDoubleSpinBox(this);
  perplexity_->setRange(2, 200);
  perplexity_->setValue(30);
  perplexity_->setPrefix(tr("perplexity "));
  neighbours_ = new QSpinBox(this);
  neighbours_->setRange(2, 200);
  neighbours_->setValue(15);
  neighbours_->setPrefix(tr("neighbours "));
  minDistance_ = new QDoubleSpinBox(this);
  minDistance_->setRange(0.0, 1.0);
  minDistance_->setSingleStep(0.05);
  minDistance_->setValue(0.1);
  minDistance_->setPrefix(tr("min. dist. "));
  graph_ = new QComboBox(this);
  graph_->addItem(tr("standard"), int(KnnEffort::Standard));
  graph_->addItem(tr("thorough"), int(KnnEffort::Thorough));
  graph_->setToolTip(
      tr("Neighbour graph: how hard it is searched. Standard finds about as many true "
         "neighbours as umap-learn's own graph (pynndescent), in under half its time; thorough "
         "takes about 1.3 times as long and finds more on data of high intrinsic dimension."));
  seed_ = new QSpinBox(this);
  seed_->setRange(0, 1000000);
  seed_->setPrefix(tr("seed "));
  project_ = new QPushButton(tr("Project"), this);
  project_->setToolTip(tr("Compute this map on a worker (progress and Cancel in the status bar)"));
  color_ = new QComboBox(this);
  unit_ = new QSpinBox(this);
  unit_->setPrefix(tr("unit "));

  for (QComboBox* box : {source_, samples_, method_, graph_, color_})
    box->setSizeAdjustPolicy(QComboBox::AdjustToContents);
  auto* layout = new QHBoxLayout(this);
  layout->setContentsMargins(4, 2, 4, 2);
  layout->addWidget(new QLabel(tr("Map of"), this));
  layout->addWidget(source_);
  layout->addWidget(samples_);
  layout->addWidget(method_);
  layout->addWidget(perplexity_);
  layout->addWidget(neighbours_);
  layout->addWidget(minDistance_);
  layout->addWidget(graph_);
  layout->addWidget(seed_);
  layout->addWidget(project_);
  layout->addSpacing(8);
  layout->addWidget(new QLabel(tr("Colour by"), this));
  layout->addWidget(color_);
  layout->addWidget(unit_);
  layout->addStretch(1);

  connect(project_, &QPushButton::clicked, this, &MapControls::projectRequested);
  connect(method_, &QComboBox::currentIndexChanged, this, &MapControls::updateVisibility);
  connect(source_, &QComboBox::currentIndexChanged, this, &MapControls::updateVisibility);
  connect(color_, &QComboBox::currentIndexChanged, this, [this] {
    updateVisibility();
    Q_EMIT colorChanged();
  });
  connect(unit_, &QSpinBox::valueChanged, this, &MapControls::colorChanged);
  setContext(nullptr, nullptr);
}

void MapControls::setContext(const ModelInfo* model, const Dataset* dataset, bool embedding) {
  const QSignalBlocker block(source_);
  const int previous = source_->currentData().isValid() ? source_->currentData().toInt()
                                                        : ProjectionRequest::kPixels;
  source_->clear();
  if (embedding) source_->addItem(tr("vectors from the file"), ProjectionRequest::kEmbedding);
  source_->addItem(tr("pixels"), ProjectionRequest::kPixels);
  if (model && dataset && canEncode(*model, *dataset)) {
    for (size_t l = 0; l < model->layers.size(); ++l)
      source_->addItem(tr("latents: %1").arg(model->layers[l].title()), int(l));
    if (model->layers.size() > 1)
      source_->addItem(tr("latents: all layers"), ProjectionRequest::kAllLayers);
  }
  const int again = source_->findData(previous);
  source_->setCurrentIndex(again >= 0 ? again : 0);

  factors_ = dataset ? dataset->factorNames() : QStringList();
  const QSignalBlocker blockColour(color_);
  color_->clear();
  color_->addItem(tr("class"), QVariantList{int(ColorChoice::Class), 0});
  for (int f = 0; f < factors_.size(); ++f)
    color_->addItem(tr("factor: %1").arg(factors_[f]), QVariantList{int(ColorChoice::Factor), f});
  updateVisibility();
}

void MapControls::setLatentColoursAvailable(bool available, int units, bool classes,
                                            bool modelTerms) {
  const QSignalBlocker block(color_);
  const QVariant current = color_->currentData();
  for (int i = color_->count() - 1; i >= 0; --i) {
    const int kind = color_->itemData(i).toList().value(0).toInt();
    if (kind == ColorChoice::Kl || kind == ColorChoice::Reconstruction ||
        kind == ColorChoice::Unit || kind == ColorChoice::PredictedClass ||
        kind == ColorChoice::ClassEntropy)
      color_->removeItem(i);
  }
  if (available && modelTerms) {
    color_->addItem(tr("KL per item"), QVariantList{int(ColorChoice::Kl), 0});
    color_->addItem(tr("reconstruction error"), QVariantList{int(ColorChoice::Reconstruction), 0});
  }
  if (available) {
    color_->addItem(tr("latent unit"), QVariantList{int(ColorChoice::Unit), 0});
    unit_->setRange(0, std::max(0, units - 1));
  }
  if (available && classes) {
    color_->addItem(tr("class predicted by q(y|x)"),
                    QVariantList{int(ColorChoice::PredictedClass), 0});
    color_->addItem(tr("entropy of q(y|x)"), QVariantList{int(ColorChoice::ClassEntropy), 0});
  }
  const int again = color_->findData(current);
  color_->setCurrentIndex(again >= 0 ? again : 0);
  updateVisibility();
}

void MapControls::updateVisibility() {
  const auto method = ProjectionMethod(method_->currentIndex());
  perplexity_->setVisible(method == ProjectionMethod::Tsne);
  neighbours_->setVisible(method == ProjectionMethod::Umap);
  minDistance_->setVisible(method == ProjectionMethod::Umap);
  graph_->setVisible(method == ProjectionMethod::Umap);
  seed_->setVisible(method != ProjectionMethod::Pca);
  samples_->setVisible(source_->currentData().toInt() >= ProjectionRequest::kAllLayers);
  unit_->setVisible(colorChoice().kind == ColorChoice::Unit);
}

ProjectionRequest MapControls::request() const {
  ProjectionRequest r;
  r.source = source_->currentData().toInt();
  r.samples = samples_->currentIndex() == 1;
  r.method = ProjectionMethod(method_->currentIndex());
  r.tsne.perplexity = perplexity_->value();
  r.umap.neighbours = neighbours_->value();
  r.umap.minDistance = minDistance_->value();
  r.umap.graphEffort = KnnEffort(graph_->currentData().toInt());
  r.seed = quint64(seed_->value());
  return r;
}

ColorChoice MapControls::colorChoice() const {
  const QVariantList data = color_->currentData().toList();
  ColorChoice c;
  c.kind = ColorChoice::Kind(data.value(0).toInt());
  c.index = c.kind == ColorChoice::Unit ? unit_->value() : data.value(1).toInt();
  return c;
}

void MapControls::setSource(int source) {
  const int index = source_->findData(source);
  if (index >= 0) source_->setCurrentIndex(index);
}

void MapControls::setMethod(ProjectionMethod method) {
  method_->setCurrentIndex(int(method));
}

void MapControls::setGraphEffort(KnnEffort effort) {
  const int index = graph_->findData(int(effort));
  if (index >= 0) graph_->setCurrentIndex(index);
}

}  // namespace strata
