#include "widgets/unit_inspector.h"

#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QScrollArea>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

#include "core/base/job_runner.h"
#include "core/data/image_convert.h"
#include "core/figures/recipe.h"
#include "core/figures/recipe_params.h"
#include "core/model/latent_stats.h"
#include "core/model/traversal.h"
#include "widgets/image_grid.h"
#include "widgets/line_chart.h"

namespace strata {
namespace {

constexpr int kTraversalSteps = UnitInspection::kTraversalSteps;

// The figure of what is shown, without dataset and style (the window adds them).
QJsonObject unitRecipe(const Model& model, const QString& label, uint64_t seed, int64_t items) {
  UnitRecipe r;
  r.models = std::vector<RecipeModel>{recipeModel(model.info().path, false)};
  r.seed = qint64(seed);
  r.unit = label;
  r.metricItems = items;
  return r.toJson();
}

QLabel* heading(const QString& text, QWidget* parent) {
  auto* label = new QLabel(QStringLiteral("<b>%1</b>").arg(text), parent);
  return label;
}

QString number(double v) {
  return std::isfinite(v) ? QString::number(v, 'g', 3) : QStringLiteral("–");
}

}  // namespace

UnitInspector::UnitInspector(QWidget* parent) : QWidget(parent) {
  setWindowTitle(tr("Unit inspector"));
  jobs_ = new JobRunner(this);
  title_ = new QLabel(this);
  title_->setWordWrap(true);
  facts_ = new QLabel(this);
  facts_->setWordWrap(true);
  facts_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  histogram_ = new LineChart(this);
  extremes_ = new ImageGrid(this);
  quantiles_ = new ImageGrid(this);
  traversal_ = new ImageGrid(this);
  neighbours_ = new QLabel(this);
  neighbours_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  neighbours_->setAlignment(Qt::AlignTop | Qt::AlignLeft);
  auto* grid = new QGridLayout;
  grid->addWidget(heading(tr("Posterior means over the items"), this), 0, 0);
  grid->addWidget(histogram_, 1, 0);
  grid->addWidget(heading(tr("Most correlated units and factors"), this), 0, 1);
  grid->addWidget(neighbours_, 1, 1);
  grid->addWidget(heading(tr("Items where the unit is highest and lowest"), this), 2, 0, 1, 2);
  grid->addWidget(extremes_, 3, 0, 1, 2);
  grid->addWidget(heading(tr("Items at quantiles of the unit"), this), 4, 0);
  grid->addWidget(quantiles_, 5, 0);
  grid->addWidget(heading(tr("Decoder traversal from the median item"), this), 4, 1);
  grid->addWidget(traversal_, 5, 1);
  grid->setRowStretch(3, 3);
  grid->setRowStretch(5, 2);
  exportButton_ = new QPushButton(tr("Export figure…"), this);
  exportButton_->setToolTip(
      tr("The extremes, quantiles and traversal of this unit as a PDF, SVG or PNG figure, with "
         "a recipe that makes it again"));
  connect(exportButton_, &QPushButton::clicked, this,
          [this] { Q_EMIT figureExportRequested(recipe_, QStringLiteral("pdf")); });
  auto* top = new QHBoxLayout;
  top->addWidget(title_, 1);
  top->addWidget(exportButton_);
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(top);
  layout->addWidget(facts_);
  layout->addLayout(grid, 1);
  connect(extremes_, &ImageGrid::cellClicked, this, [this](int cell) {
    if (!profile_ || profile_->highest.empty()) return;
    const int columns = int(profile_->highest.size());  // one row each, as display() lays out
    const int k = cell % columns;
    const auto& items = cell < columns ? profile_->highest : profile_->lowest;
    if (size_t(k) >= items.size()) return;
    extremes_->setCaption(tr("item %1").arg(items[size_t(k)]));
    Q_EMIT itemChosen(items[size_t(k)]);
  });
  connect(quantiles_, &ImageGrid::cellClicked, this, [this](int cell) {
    if (!profile_ || cell < 0 || size_t(cell) >= profile_->quantileItems.size()) return;
    Q_EMIT itemChosen(profile_->quantileItems[size_t(cell)]);
  });
  clear();
}

void UnitInspector::clear() {
  jobs_->cancel();
  codes_.reset();
  codesKey_ = {};
  profile_.reset();
  recipe_ = {};
  exportButton_->setEnabled(false);
  title_->setText(tr("Double-click a unit on the Units page to inspect it."));
  facts_->clear();
  histogram_->setSeries({}, {}, {});
  extremes_->setImages({}, 1);
  extremes_->setCaption({});
  quantiles_->setImages({}, 1);
  quantiles_->setCaption({});
  traversal_->setImages({}, 1);
  traversal_->setCaption({});
  neighbours_->clear();
}

QString UnitInspector::metricsText(const ModelMetrics& m) const {
  if (!profile_) return {};
  const UnitProfile& p = *profile_;
  QStringList parts;
  parts << tr("beyond its own noise (|mean| > posterior sd) on %1% of %2 items")
               .arg(QString::number(100.0 * p.beyondNoise, 'f', 1))
               .arg(p.items.size());
  if (size_t(p.layer) < m.unitKl.size() && size_t(p.unit) < m.unitKl[size_t(p.layer)].size()) {
    const double kl = m.unitKl[size_t(p.layer)][size_t(p.unit)];
    parts << tr("KL %1 nats%2")
                 .arg(number(kl),
                      kl < LatentStats::kCollapsedUnitKl ? tr(" (collapsed)") : QString());
  }
  if (size_t(p.layer) < m.unitMeanVariance.size() &&
      size_t(p.unit) < m.unitMeanVariance[size_t(p.layer)].size()) {
    const double v = m.unitMeanVariance[size_t(p.layer)][size_t(p.unit)];
    parts << tr("Var E[z] %1%2")
                 .arg(number(v), v > LatentStats::kActiveThreshold ? tr(" (active)") : QString());
  }
  // Per-unit numbers of the chosen codes: all layers, or this layer alone.
  const int index = m.options.layer < 0 ? p.codeIndex : m.options.layer == p.layer ? p.unit : -1;
  if (index >= 0 && size_t(index) < m.unitPriorVariance.size() &&
      size_t(index) < m.unitJacobianWeight.size()) {
    const double r = m.unitPriorVariance[size_t(index)] * m.unitJacobianWeight[size_t(index)];
    int rank = 1;
    for (size_t j = 0; j < m.unitPriorVariance.size(); ++j)
      rank += m.unitPriorVariance[j] * m.unitJacobianWeight[j] > r;
    const MetricRow* relevant = m.find("relevance/relevant-units");
    const bool within = relevant && std::isfinite(relevant->value) && rank <= relevant->value;
    parts << tr("ARD-VAE relevance %1, rank %2 of %3%4")
                 .arg(number(r))
                 .arg(rank)
                 .arg(m.unitPriorVariance.size())
                 .arg(within ? tr(" (within the 99%)") : QString());
  }
  if (index >= 0 && index < m.unitClasses.size())
    parts << tr("Bonheme & Grzes: %1").arg(m.unitClasses[index]);
  return parts.join(QStringLiteral(" · "));
}

void UnitInspector::inspect(std::shared_ptr<const Model> model, DatasetPtr dataset,
                            const ModelMetrics& metrics, int layer, int unit) {
  if (!model || !dataset) return;
  const ModelInfo& info = model->info();
  const QString label = unitLabel(info, layer, unit);
  title_->setText(QStringLiteral("<b>%1</b> · %2").arg(label, info.name.toHtmlEscaped()));
  facts_->setText(tr("Profiling %1 on a worker…").arg(label));
  const MetricsOptions options = metrics.options;
  const uint64_t seed = options.seed;
  CodesKey key{model, dataset, options.items, options.explicitItems, seed};
  if (!(key == codesKey_)) codes_.reset();
  codesKey_ = std::move(key);
  recipe_ = {};
  exportButton_->setEnabled(false);
  jobs_->start<std::shared_ptr<UnitInspection>>(
      tr("Profiling %1").arg(label),
      [model, dataset, options, layer, unit, seed, codes = codes_](const JobControl& job) {
        // A seeded shuffle of the whole dataset's indices: not on the GUI thread.
        const std::vector<int64_t> items = metricItems(options, dataset->size());
        return std::make_shared<UnitInspection>(
            inspectUnit(*model, *dataset, items, codes, layer, unit, seed, job));
      },
      [this, model, dataset, metrics, key = codesKey_, label,
       seed](std::shared_ptr<UnitInspection> r) {
        if (key == codesKey_) codes_ = r->codes;
        // Items given one by one (the command line's --items) have no recipe field.
        if (metrics.options.explicitItems.empty())
          recipe_ = unitRecipe(*model, label, seed, int64_t(r->profile.items.size()));
        display(model, dataset, metrics, std::move(r->profile), std::move(r->traversal),
                std::move(r->values));
      },
      [this](const QString& message) { facts_->setText(message); });
}

void UnitInspector::display(std::shared_ptr<const Model> model, DatasetPtr dataset,
                            const ModelMetrics& metrics, UnitProfile p,
                            std::vector<float> traversal, std::vector<double> values) {
  profile_ = std::make_unique<UnitProfile>(std::move(p));
  const UnitProfile& profile = *profile_;
  facts_->setText(metricsText(metrics));
  histogram_->setSeries(
      {{tr("items"), profile.histogram, QColor(60, 100, 170)}},
      tr("posterior mean, %1 to %2").arg(number(profile.low), number(profile.high)), tr("items"));
  QVector<QImage> images;
  for (int64_t item : profile.highest) images << datasetImage(*dataset, item);
  for (int64_t item : profile.lowest) images << datasetImage(*dataset, item);
  // As many columns as extremes: fewer items than kExtremeItems must not wrap the rows.
  extremes_->setImages(images, std::max(1, int(profile.highest.size())),
                       {tr("highest"), tr("lowest")});
  extremes_->setCaption(tr("highest %1, lowest %2").arg(number(profile.high), number(profile.low)));
  images.clear();
  QStringList caption;
  for (size_t q = 0; q < profile.quantileItems.size(); ++q) {
    images << datasetImage(*dataset, profile.quantileItems[q]);
    caption << QStringLiteral("%1%: %2")
                   .arg(100.0 * profile.quantiles[q])
                   .arg(number(profile.quantileValues[q]));
  }
  quantiles_->setImages(images, int(images.size()));
  quantiles_->setCaption(caption.join(QStringLiteral(", ")));
  traversal_->setImages(toQImages(traversal, model->info().input), kTraversalSteps);
  traversal_->setCaption(tr("%1 to %2 (1% to 99% quantiles); other units as the median item's")
                             .arg(number(values.front()), number(values.back())));
  QString html = QStringLiteral(
                     "<table cellspacing=4><tr><th align=left>%1</th><th>%2</th>"
                     "<th>%3</th></tr>")
                     .arg(tr("unit"), tr("r, means"), tr("r, samples"));
  for (const UnitProfile::Neighbour& n : profile.correlated)
    html +=
        QStringLiteral("<tr><td>%1</td><td align=right>%2</td><td align=right>%3</td></tr>")
            .arg(n.label.toHtmlEscaped(), number(n.meanCorrelation), number(n.sampledCorrelation));
  html += QStringLiteral("</table>");
  if (!profile.factorNames.isEmpty()) {
    html += tr("<p>Mutual information with the factors (nats, 20 bins as MIG):<br>");
    for (int k = 0; k < profile.factorNames.size(); ++k)
      html += QStringLiteral("%1 %2<br>")
                  .arg(profile.factorNames[k].toHtmlEscaped(),
                       number(profile.factorInformation[size_t(k)]));
  }
  neighbours_->setText(html);
  exportButton_->setEnabled(!recipe_.isEmpty());
  Q_EMIT profileShown();
}

}  // namespace strata
