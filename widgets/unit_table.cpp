#include "widgets/unit_table.h"

#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPoint>
#include <QPushButton>
#include <QTableWidget>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>
#include <functional>
#include <numeric>

#include "core/figures/recipe.h"
#include "core/figures/recipe_params.h"
#include "core/model/latent_stats.h"
#include "core/numeric/linear_collapse.h"
#include "widgets/line_chart.h"

namespace strata {
namespace {

// A cell that sorts by its number (NaN last) rather than by its text.
class NumberItem : public QTableWidgetItem {
 public:
  NumberItem(double value, const QString& text) : QTableWidgetItem(text) {
    setData(Qt::UserRole, value);
    setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
  }
  bool operator<(const QTableWidgetItem& other) const override {
    const double a = data(Qt::UserRole).toDouble(), b = other.data(Qt::UserRole).toDouble();
    if (std::isnan(a) || std::isnan(b)) return !std::isnan(a) && std::isnan(b);
    return a < b;
  }
};

NumberItem* number(double value, char format = 'g', int precision = 4) {
  return new NumberItem(value, std::isfinite(value) ? QString::number(value, format, precision)
                                                    : QStringLiteral("–"));
}

// The name ("z_mid:3") and per-layer index of each unit of the chosen codes, top first.
struct UnitRef {
  QString name;
  size_t layer = 0, index = 0;
};
std::vector<UnitRef> chosenUnits(const ModelMetrics& m) {
  std::vector<UnitRef> units;
  for (size_t l = 0; l < m.unitKl.size(); ++l) {
    if (m.options.layer >= 0 && size_t(m.options.layer) != l) continue;
    const QString layer = l < size_t(m.layerNames.size()) ? m.layerNames[qsizetype(l)]
                                                          : QStringLiteral("layer %1").arg(l);
    for (size_t j = 0; j < m.unitKl[l].size(); ++j)
      units.push_back({QStringLiteral("%1:%2").arg(layer).arg(j), l, j});
  }
  return units;
}

double at(const std::vector<std::vector<double>>& perLayer, const UnitRef& u) {
  return u.layer < perLayer.size() && u.index < perLayer[u.layer].size()
             ? perLayer[u.layer][u.index]
             : double(NAN);
}

QString countText(const MetricRow* row) {
  if (!row) return QStringLiteral("n/a");
  if (!std::isfinite(row->value)) return QStringLiteral("not computed");
  return QStringLiteral("%1 of %2").arg(qint64(row->value)).arg(qint64(row->outOf));
}

}  // namespace

UnitTable::UnitTable(QWidget* parent) : QWidget(parent) {
  summary_ = new QLabel(this);
  summary_->setWordWrap(true);
  summary_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  table_ = new QTableWidget(this);
  table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
  table_->setSelectionBehavior(QAbstractItemView::SelectRows);
  table_->verticalHeader()->setVisible(false);
  table_->verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 6);
  table_->setColumnCount(ColumnCount);
  table_->setHorizontalHeaderLabels({tr("Rank"), tr("Unit"), tr("Relevance"), tr("Share"),
                                     tr("Cumulative"), tr("Prior variance"), tr("Jacobian weight"),
                                     tr("KL (nats)"), tr("Var E[z]"), tr("Class")});
  const QString tips[ColumnCount] = {
      tr("Rank by ARD-VAE relevance"),
      tr("Layer and unit index (C order within the layer)"),
      tr("ARD-VAE relevance: Jacobian weight x prior variance (Saha et al., Eq. 19)"),
      tr("The unit's share of the total relevance"),
      tr("Share of this unit and all ranked above it; the relevant units are those up to the "
         "first above 99%"),
      tr("Data-driven prior variance, mean of mu^2 + sigma^2 over the items (Eq. 17)"),
      tr("Mean squared norm of the decoder's Jacobian column at the posterior means, output in "
         "data units (Eq. 18)"),
      tr("Mean KL(q || p) of the unit, nats; collapsed below %1")
          .arg(LatentStats::kCollapsedUnitKl),
      tr("Variance over the items of the posterior mean; active above %1 (Burda et al.)")
          .arg(LatentStats::kActiveThreshold),
      tr("Bonheme & Grzes: passive, mixed or active, from the posterior variances")};
  for (int c = 0; c < ColumnCount; ++c) table_->horizontalHeaderItem(c)->setToolTip(tips[c]);
  table_->horizontalHeader()->setStretchLastSection(true);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(summary_);
  collapseBox_ = new QWidget(this);
  collapseChart_ = new LineChart(collapseBox_);
  collapseChart_->setToolTip(
      tr("Dang et al.'s linear theory: a linear (conditional) VAE with the model's beta and "
         "decoder standard deviation keeps unit i active when the i-th eigenvalue of the data's "
         "covariance left unexplained by y exceeds beta eta_dec^2, with KL 1/2 ln(lambda_i / "
         "(beta eta_dec^2)); beside it the model's own KL per unit, largest first"));
  collapseChart_->setMinimumHeight(150);
  export_ = new QPushButton(tr("Export figure…"), collapseBox_);
  export_->setToolTip(
      tr("The model's KL per unit beside the linear theory's, as a PDF, SVG or PNG figure with "
         "its recipe"));
  connect(export_, &QPushButton::clicked, this,
          [this] { Q_EMIT figureExportRequested(recipe_, QStringLiteral("pdf")); });
  auto* collapseLayout = new QHBoxLayout(collapseBox_);
  collapseLayout->setContentsMargins(0, 0, 0, 0);
  collapseLayout->addWidget(collapseChart_, 1);
  auto* buttons = new QVBoxLayout;
  buttons->addWidget(export_);
  buttons->addStretch(1);
  collapseLayout->addLayout(buttons);
  layout->addWidget(collapseBox_);
  layout->addWidget(table_, 1);

  connect(table_, &QTableWidget::cellDoubleClicked, this, [this](int row, int) {
    const QTableWidgetItem* name = table_->item(row, Unit);
    if (!name) return;
    const QPoint unit = name->data(Qt::UserRole).toPoint();
    Q_EMIT unitActivated(unit.x(), unit.y());
  });
  setMetrics({});
}

QString UnitTable::summary() const {
  return summary_->text();
}

void UnitTable::setMetrics(const ModelMetrics& m, const QString& modelPath) {
  table_->setSortingEnabled(false);
  table_->setRowCount(0);
  const std::vector<UnitRef> units = chosenUnits(m);
  if (units.empty()) {
    summary_->setText(tr("Compute metrics to list the units of a model."));
    recipe_ = {};
    collapseBox_->hide();
    return;
  }
  const bool relevance =
      m.unitPriorVariance.size() == units.size() && m.unitJacobianWeight.size() == units.size();
  std::vector<double> score(units.size(), NAN);
  double total = 0;
  for (size_t j = 0; relevance && j < units.size(); ++j)
    total += score[j] = m.unitPriorVariance[j] * m.unitJacobianWeight[j];
  // Rank: by relevance (ties to the lower unit), or in unit order without it.
  std::vector<size_t> order(units.size());
  std::iota(order.begin(), order.end(), size_t(0));
  if (relevance)
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return score[a] > score[b]; });
  const MetricRow* relevantRow = m.find("relevance/relevant-units");
  const int relevant =
      relevantRow && std::isfinite(relevantRow->value) ? int(relevantRow->value) : 0;
  table_->setRowCount(int(units.size()));
  double running = 0;
  int active = 0, collapsed = 0;
  for (size_t rank = 0; rank < order.size(); ++rank) {
    const size_t j = order[rank];
    const UnitRef& u = units[j];
    const double share = total > 0 ? score[j] / total : double(NAN);
    running += std::isfinite(share) ? share : 0.0;
    const double kl = at(m.unitKl, u), meanVariance = at(m.unitMeanVariance, u);
    active += meanVariance > LatentStats::kActiveThreshold;
    collapsed += kl < LatentStats::kCollapsedUnitKl;
    const int row = int(rank);
    table_->setItem(row, Rank, number(double(rank + 1), 'f', 0));
    auto* name = new QTableWidgetItem(u.name);
    name->setData(Qt::UserRole, QPoint(int(u.layer), int(u.index)));
    name->setToolTip(tr("Double-click to inspect this unit"));
    table_->setItem(row, Unit, name);
    table_->setItem(row, Relevance, number(score[j]));
    table_->setItem(row, Share, number(share, 'f', 4));
    table_->setItem(row, Cumulative, number(total > 0 ? running : double(NAN), 'f', 4));
    table_->setItem(row, PriorVariance, number(relevance ? m.unitPriorVariance[j] : double(NAN)));
    table_->setItem(row, JacobianWeight, number(relevance ? m.unitJacobianWeight[j] : double(NAN)));
    table_->setItem(row, Kl, number(kl));
    table_->item(row, Kl)->setText(table_->item(row, Kl)->text() +
                                   (kl < LatentStats::kCollapsedUnitKl ? tr("  collapsed") : ""));
    table_->setItem(row, MeanVariance, number(meanVariance));
    table_->item(row, MeanVariance)
        ->setText(table_->item(row, MeanVariance)->text() +
                  (meanVariance > LatentStats::kActiveThreshold ? tr("  active") : ""));
    table_->setItem(
        row, Class,
        new QTableWidgetItem(j < size_t(m.unitClasses.size()) ? m.unitClasses[qsizetype(j)]
                                                              : QString()));
    if (relevance && int(rank) < relevant)
      for (int c = 0; c < ColumnCount; ++c)
        table_->item(row, c)->setBackground(QColor(214, 236, 214));
  }
  table_->setSortingEnabled(true);
  table_->horizontalHeader()->setSortIndicator(Rank, Qt::AscendingOrder);
  table_->resizeColumnsToContents();
  const int n = int(units.size());
  QString text =
      tr("<b>%1</b>: relevant (ARD-VAE, 99%): %2 · by prior variance alone: %3 · active (Var "
         "E[z] &gt; %4): %5 of %6 · collapsed (KL &lt; %7 nats): %8 of %6.")
          .arg(m.modelName.toHtmlEscaped(), countText(relevantRow),
               countText(m.find("relevance/prior-variance-only")))
          .arg(LatentStats::kActiveThreshold)
          .arg(active)
          .arg(n)
          .arg(LatentStats::kCollapsedUnitKl)
          .arg(collapsed);
  const MetricRow* predicted = m.find("collapse/linear-theory");
  if (predicted && std::isfinite(predicted->value))
    text += tr(" · predicted collapsed by the linear theory (Dang et al., beta eta_dec<sup>2</sup> "
               "= %1): %2.")
                .arg(m.collapseThreshold, 0, 'g', 4)
                .arg(countText(predicted));
  if (relevantRow)
    text += QStringLiteral("<br><small>%1</small>").arg(relevantRow->parameters.toHtmlEscaped());
  summary_->setText(text);
  std::vector<double> observed;
  for (const UnitRef& u : units) observed.push_back(at(m.unitKl, u));
  showCollapsePrediction(m, std::move(observed), modelPath);
}

void UnitTable::showCollapsePrediction(const ModelMetrics& m, std::vector<double> observedKl,
                                       const QString& modelPath) {
  recipe_ = {};
  const MetricRow* row = m.find("collapse/linear-theory");
  if (!row || !std::isfinite(row->value) || m.unexplainedSpectrum.empty() ||
      !(m.collapseThreshold > 0) || observedKl.size() < 2) {
    collapseBox_->hide();
    return;
  }
  // The figure draws the same items as the table: a seeded sample of m.items (items given one
  // by one, as the command line's --indices, have no recipe field), of the same model file.
  if (!modelPath.isEmpty() && QFileInfo(modelPath).fileName() == m.modelFile &&
      m.options.explicitItems.empty()) {
    CollapseRecipe recipe;
    recipe.models = std::vector<RecipeModel>{recipeModel(modelPath, false)};
    recipe.seed = qint64(m.options.seed);
    recipe.metricItems = m.items;
    recipe_ = recipe.toJson();
  }
  export_->setEnabled(!recipe_.isEmpty());
  // Both curves over the unit rank, largest KL first: the theory orders its units by
  // eigenvalue, the model's are sorted by their KL.
  std::sort(observedKl.begin(), observedKl.end(), std::greater<>());
  std::vector<double> theory =
      linearTheoryUnitKl(m.unexplainedSpectrum, int(observedKl.size()), m.collapseThreshold);
  collapseChart_->setSeries(
      {{tr("model's KL per unit, sorted"), std::move(observedKl), QColor(31, 119, 180)},
       {tr("linear theory, 1/2 ln(lambda_i / (beta eta_dec^2)): %1 active")
            .arg(qint64(row->outOf - row->value)),
        std::move(theory), QColor(255, 127, 14)}},
      tr("unit rank"), tr("KL (nats)"));
  collapseBox_->show();
}

}  // namespace strata
