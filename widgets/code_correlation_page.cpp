#include "widgets/code_correlation_page.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QSplitter>
#include <QVBoxLayout>

#include <cmath>

#include "core/base/job_runner.h"
#include "core/figures/recipe.h"
#include "core/figures/recipe_params.h"
#include "widgets/correlation_matrix.h"

namespace strata {
namespace {

// No pairs of varying units (one unit, or all but one constant): no mean to show.
QString meanAbs(double value) {
  return std::isfinite(value) ? QString::number(value, 'f', 3) : QStringLiteral("–");
}

}  // namespace

CodeCorrelationPage::CodeCorrelationPage(std::function<MetricsOptions()> options, QWidget* parent)
    : QWidget(parent), options_(std::move(options)), jobs_(new JobRunner(this)) {
  model_ = new QComboBox(this);
  model_->setToolTip(tr("The model whose codes are correlated"));
  auto* compute = new QPushButton(tr("Correlate codes"), this);
  compute->setToolTip(
      tr("Encode the metrics' items once, keep each item's posterior mean and one seeded "
         "posterior sample, and correlate the units of each"));
  export_ = new QPushButton(tr("Export figure…"), this);
  export_->setToolTip(tr("Both matrices as a PDF, SVG or PNG figure, with its recipe"));
  connect(export_, &QPushButton::clicked, this,
          [this] { Q_EMIT figureExportRequested(recipe_, QStringLiteral("pdf")); });
  auto* controls = new QHBoxLayout;
  controls->addWidget(new QLabel(tr("Model"), this));
  controls->addWidget(model_);
  controls->addWidget(compute);
  controls->addStretch(1);
  controls->addWidget(export_);
  means_ = new CorrelationMatrix(this);
  samples_ = new CorrelationMatrix(this);
  auto* split = new QSplitter(Qt::Horizontal, this);
  split->addWidget(means_);
  split->addWidget(samples_);
  note_ = new QLabel(this);
  note_->setWordWrap(true);
  note_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(controls);
  layout->addWidget(split, 1);
  layout->addWidget(note_);
  connect(compute, &QPushButton::clicked, this, &CodeCorrelationPage::compute);
  connect(model_, &QComboBox::currentIndexChanged, this,
          [this] { reset(tr("Press Correlate codes for this model.")); });
  reset(tr("Choose a model and press Correlate codes."));
}

void CodeCorrelationPage::reset(const QString& message) {
  jobs_->cancel();
  result_.reset();
  recipe_ = {};
  export_->setEnabled(false);
  means_->clear(message);
  samples_->clear(QString());
  note_->setText(
      tr("Bonheme & Grzes: a passive unit's samples are its posterior noise, so its sampled "
         "code correlates with nothing while its mean code can still follow other units."));
}

void CodeCorrelationPage::setModels(const std::vector<ModelPtr>& models) {
  // Kept by identity: two checkpoints of one model share a name.
  const int was = model_->currentIndex();
  const ModelPtr kept = was >= 0 && size_t(was) < models_.size() ? models_[size_t(was)] : nullptr;
  models_ = models;
  const QSignalBlocker block(model_);
  model_->clear();
  int keep = 0;
  for (size_t m = 0; m < models_.size(); ++m) {
    model_->addItem(models_[m]->info().name);
    if (models_[m] == kept) keep = int(m);
  }
  model_->setCurrentIndex(models_.empty() ? -1 : keep);
  reset(tr("Choose a model and press Correlate codes."));
}

void CodeCorrelationPage::setDataset(DatasetPtr dataset) {
  dataset_ = std::move(dataset);
  reset(tr("Choose a model and press Correlate codes."));
}

void CodeCorrelationPage::compute() {
  const int m = model_->currentIndex();
  if (m < 0 || size_t(m) >= models_.size() || !dataset_) return;
  const ModelPtr model = models_[size_t(m)];
  if (!model->info().hasEncoder) {
    reset(tr("%1 has no encoder: there are no codes to correlate.").arg(model->info().name));
    return;
  }
  const DatasetPtr dataset = dataset_;
  const MetricsOptions o = options_();
  reset(tr("Encoding the items of %1…").arg(model->info().name));  // nothing stale to export
  jobs_->start<std::shared_ptr<const CodeCorrelations>>(
      tr("Correlating the codes of %1").arg(model->info().name),
      [model, dataset, o](const JobControl& job) {
        const std::vector<int64_t> items = metricItems(o, dataset->size());
        const PosteriorCodes codes = encodePosteriors(*model, *dataset, items, -1, o.seed, job);
        return std::make_shared<const CodeCorrelations>(codeCorrelations(codes, model->info()));
      },
      [this, model, o](std::shared_ptr<const CodeCorrelations> c) {
        const QString name = model->info().name;
        const uint64_t seed = o.seed;
        result_ = c;
        // Items given one by one (the command line's --items) have no recipe field.
        if (o.explicitItems.empty()) {
          CorrelationsRecipe recipe;
          recipe.models = std::vector<RecipeModel>{recipeModel(model->info().path, false)};
          recipe.seed = qint64(seed);
          recipe.metricItems = c->items;
          recipe_ = recipe.toJson();
        }
        export_->setEnabled(!recipe_.isEmpty());
        means_->setMatrix(c->means, c->labels, tr("posterior means"));
        samples_->setMatrix(c->samples, c->labels, tr("posterior samples (one draw per item)"));
        const QString shown =
            c->totalUnits > int(c->units.size())
                ? tr("the %1 of %2 units whose means vary most over the items")
                      .arg(c->units.size())
                      .arg(c->totalUnits)
                : tr("all %1 units, by falling variance of their means").arg(c->totalUnits);
        note_->setText(tr("%1 over %2 items (seed %3): %4. Mean |r| between different units: "
                          "%5 for the means, %6 for the samples. Pearson r, as NumPy's corrcoef; "
                          "grey cells belong to a unit that is constant over the items.")
                           .arg(name)
                           .arg(c->items)
                           .arg(seed)
                           .arg(shown)
                           .arg(meanAbs(c->meanAbsMeans), meanAbs(c->meanAbsSamples)));
        Q_EMIT correlationsShown();
      },
      [this](const QString& message) { reset(tr("Not computed: %1").arg(message)); });
}

}  // namespace strata
