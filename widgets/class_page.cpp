#include "widgets/class_page.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QRegularExpression>
#include <QSplitter>
#include <QTableWidget>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

#include "core/base/job_runner.h"
#include "core/data/image_convert.h"
#include "core/figures/recipe.h"
#include "core/figures/recipe_params.h"
#include "core/model/model_ops.h"
#include "widgets/image_grid.h"

namespace strata {
namespace {

// Rows of the analogy grid shown at most (the figure's `items` limit).
constexpr int kMaxRows = 64;

QString percent(double v) {
  return std::isfinite(v) ? QStringLiteral("%1 %").arg(100.0 * v, 0, 'f', 1) : QStringLiteral("–");
}

}  // namespace

ClassPage::ClassPage(std::function<MetricsOptions()> options, QWidget* parent)
    : QWidget(parent), options_(std::move(options)), jobs_(new JobRunner(this)) {
  model_ = new QComboBox(this);
  model_->setToolTip(tr("A conditional model (one that declares classes)"));
  items_ = new QLineEdit(this);
  items_->setPlaceholderText(tr("items, e.g. 0, 3, 8 (empty: 8 spread over the data)"));
  items_->setToolTip(
      tr("The rows of the analogy grid: each item encoded under its label, its z kept and "
         "decoded under every class"));
  auto* compute = new QPushButton(tr("Decode under every class"), this);
  compute->setToolTip(
      tr("Draw the analogy grid and score q(y|x) and the generative classifier on the "
         "metrics' items"));
  export_ = new QPushButton(tr("Export figure…"), this);
  export_->setToolTip(tr("The analogy grid as a PDF, SVG or PNG figure, with its recipe"));
  connect(export_, &QPushButton::clicked, this,
          [this] { Q_EMIT figureExportRequested(recipe_, QStringLiteral("pdf")); });
  auto* controls = new QHBoxLayout;
  controls->addWidget(new QLabel(tr("Model"), this));
  controls->addWidget(model_);
  controls->addWidget(items_, 1);
  controls->addWidget(compute);
  controls->addWidget(export_);

  grid_ = new ImageGrid(this);
  connect(grid_, &ImageGrid::cellClicked, this, [this](int cell) {
    const int columns = grid_->columns();
    if (columns > 0 && cell / columns < int(shownItems_.size()))
      Q_EMIT itemChosen(shownItems_[size_t(cell / columns)]);
  });
  confusion_ = new QTableWidget(this);
  confusion_->setEditTriggers(QAbstractItemView::NoEditTriggers);
  confusion_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
  confusion_->verticalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
  scores_ = new QLabel(this);
  scores_->setWordWrap(true);
  scores_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  auto* right = new QWidget(this);
  auto* rightLayout = new QVBoxLayout(right);
  rightLayout->setContentsMargins(0, 0, 0, 0);
  rightLayout->addWidget(
      new QLabel(tr("Confusion of q(y|x): true class down, predicted across"), right));
  rightLayout->addWidget(confusion_, 1);
  rightLayout->addWidget(scores_);
  auto* split = new QSplitter(Qt::Horizontal, this);
  split->addWidget(grid_);
  split->addWidget(right);
  split->setStretchFactor(0, 1);
  split->setStretchFactor(1, 1);
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(controls);
  layout->addWidget(split, 1);
  connect(compute, &QPushButton::clicked, this, &ClassPage::compute);
  connect(items_, &QLineEdit::returnPressed, this, &ClassPage::compute);
  connect(model_, &QComboBox::currentIndexChanged, this,
          [this] { reset(tr("Press Decode under every class for this model.")); });
  reset(
      tr("Open a conditional model (one that declares classes, such as the bundled M2) "
         "and a dataset."));
}

void ClassPage::reset(const QString& message) {
  jobs_->cancel();
  recipe_ = {};
  shownItems_.clear();
  export_->setEnabled(false);
  grid_->setImages({}, 1);
  grid_->setCaption(QString());
  grid_->setMessage(message);
  confusion_->clear();
  confusion_->setRowCount(0);
  confusion_->setColumnCount(0);
  scores_->setText(
      tr("q(y|x): the model's classifier. Generative classifier: argmax over y of ELBO(x, y) + "
         "log p(y) with a uniform p(y), one z per class (docs/metrics.md)."));
}

QString ClassPage::summary() const {
  return scores_->text();
}

void ClassPage::setModels(const std::vector<ModelPtr>& models) {
  const int was = model_->currentIndex();
  const ModelPtr kept = was >= 0 && size_t(was) < models_.size() ? models_[size_t(was)] : nullptr;
  models_.clear();
  for (const ModelPtr& m : models)
    if (m->info().conditional()) models_.push_back(m);
  const QSignalBlocker block(model_);
  model_->clear();
  int keep = 0;
  for (size_t m = 0; m < models_.size(); ++m) {
    model_->addItem(models_[m]->info().name);
    if (models_[m] == kept) keep = int(m);
  }
  model_->setCurrentIndex(models_.empty() ? -1 : keep);
  reset(models_.empty()
            ? tr("None of the open models declares classes: this page is for conditional and "
                 "semi-supervised models (contract 2, strata_meta.condition).")
            : tr("Press Decode under every class."));
}

void ClassPage::setDataset(DatasetPtr dataset) {
  dataset_ = std::move(dataset);
  reset(tr("Press Decode under every class."));
}

std::vector<int64_t> ClassPage::chosenItems(QString* problem) const {
  const QString text = items_->text().trimmed();
  if (text.isEmpty()) return spreadIndices(dataset_->size(), 8);
  std::vector<int64_t> items;
  for (const QString& part :
       text.split(QRegularExpression(QStringLiteral("[,\\s]+")), Qt::SkipEmptyParts)) {
    bool ok = false;
    const qint64 i = part.toLongLong(&ok);
    if (!ok || i < 0 || i >= dataset_->size()) {
      *problem = tr("'%1' is not an item of %2 (0 to %3)")
                     .arg(part, dataset_->name())
                     .arg(dataset_->size() - 1);
      return {};
    }
    items.push_back(i);
  }
  if (int(items.size()) > kMaxRows) *problem = tr("at most %1 items").arg(kMaxRows);
  return items;
}

void ClassPage::compute() {
  const int m = model_->currentIndex();
  if (m < 0 || size_t(m) >= models_.size() || !dataset_) return;
  const ModelPtr model = models_[size_t(m)];
  if (const auto why = whyCannotEncode(model->info(), *dataset_)) {
    reset(tr("Not computed: %1").arg(*why));
    return;
  }
  QString problem;
  const std::vector<int64_t> items = chosenItems(&problem);
  if (!problem.isEmpty()) {
    reset(tr("Not computed: %1").arg(problem));
    return;
  }
  const DatasetPtr dataset = dataset_;
  const MetricsOptions o = options_();
  const bool chosen = !items_->text().trimmed().isEmpty();  // as asked, not as edited since
  reset(tr("Decoding under every class of %1…").arg(model->info().name));
  jobs_->start<std::shared_ptr<const Result>>(
      tr("Classes of %1").arg(model->info().name),
      [model, dataset, o, items](const JobControl& job) {
        auto r = std::make_shared<Result>();
        r->analogy = strata::analogyGrid(*model, *dataset, items, job.range(0.0, 0.2));
        // The seed the metrics table scores its classifiers with (model_metrics.cpp).
        r->seed = o.seed + 9;
        r->scores = evaluateClassifiers(*model, *dataset, metricItems(o, dataset->size()), r->seed,
                                        job.range(0.2, 1.0));
        return std::shared_ptr<const Result>(std::move(r));
      },
      [this, model, items, chosen](std::shared_ptr<const Result> r) {
        shownItems_ = items;
        // Without chosen items the recipe leaves `items` out: the same default rows.
        AnalogyRecipe recipe;
        recipe.models = std::vector<RecipeModel>{recipeModel(model->info().path, false)};
        if (chosen) recipe.items = std::vector<qint64>(items.begin(), items.end());
        recipe_ = recipe.toJson();
        export_->setEnabled(true);
        show(model, *r);
        Q_EMIT classesShown();
      },
      [this](const QString& message) { reset(tr("Not computed: %1").arg(message)); });
}

void ClassPage::show(const ModelPtr& model, const Result& r) {
  const ModelInfo& info = model->info();
  const AnalogyGrid& a = r.analogy;
  const int k = a.classes;
  QVector<QImage> cells;
  QStringList rows;
  const QVector<QImage> decoded = toQImages(a.images, info.input);
  for (size_t i = 0; i < a.items.size(); ++i) {
    cells << datasetImage(*dataset_, a.items[i]);
    for (int c = 0; c < k; ++c) cells << decoded.value(int(i) * k + c);
    const EncodingClass& under = a.encodedUnder[i];
    rows << (under.cls < 0     ? tr("%1 (uniform y)").arg(a.items[i])
             : under.fromLabel ? tr("%1 (%2)").arg(a.items[i]).arg(info.classes[under.cls])
                               : tr("%1 (q: %2)").arg(a.items[i]).arg(info.classes[under.cls]));
  }
  grid_->setMessage(QString());
  grid_->setImages(cells, k + 1, rows);
  grid_->setCaption(tr("Columns: the input, then classes 0 to %1 (the table's numbers). Rows: "
                       "z of the item under its label kept. Click to pin an item.")
                        .arg(k - 1));
  QStringList order;
  for (int c = 0; c < k; ++c) order << QStringLiteral("%1 %2").arg(c).arg(info.classes[c]);
  grid_->setToolTip(order.join('\n'));

  const ClassifierEvaluation& e = r.scores;
  const std::vector<int64_t>& counts = info.hasClassifier ? e.confusion : e.generativeConfusion;
  confusion_->setRowCount(k);
  confusion_->setColumnCount(k);
  // Columns by number (ten names do not fit across), rows by number and name.
  QStringList numbers, names;
  for (int c = 0; c < k; ++c) {
    numbers << QString::number(c);
    names << QStringLiteral("%1 %2").arg(c).arg(info.classes[c]);
  }
  confusion_->setHorizontalHeaderLabels(numbers);
  confusion_->setVerticalHeaderLabels(names);
  for (int c = 0; c < k; ++c) confusion_->horizontalHeaderItem(c)->setToolTip(info.classes[c]);
  int64_t largest = 1;
  for (int64_t v : counts) largest = std::max(largest, v);
  for (int t = 0; t < k; ++t)
    for (int p = 0; p < k; ++p) {
      const int64_t v = counts.empty() ? 0 : counts[size_t(t * k + p)];
      auto* cell = new QTableWidgetItem(QString::number(v));
      cell->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
      // Shade by the share of the largest cell: the diagonal stands out when it is right.
      const double share = double(v) / double(largest);
      cell->setBackground(QColor::fromRgbF(1.0 - 0.55 * share, 1.0 - 0.35 * share, 1.0));
      confusion_->setItem(t, p, cell);
    }
  if (e.items == 0) {
    scores_->setText(tr("No item of %1 has a label among the model's classes: the classifiers "
                        "cannot be scored.")
                         .arg(dataset_->name()));
    return;
  }
  QString text =
      info.hasClassifier
          ? tr("On %1 labelled items (seed %2): q(y|x) accuracy %3, generative classifier %4, "
               "agreeing on %5; mean entropy of q(y|x) %6 nats; bound on log p(x) with y summed "
               "out %7 nats.")
                .arg(e.items)
                .arg(r.seed)
                .arg(percent(e.qAccuracy), percent(e.generativeAccuracy), percent(e.agreement))
                .arg(e.meanEntropy, 0, 'f', 3)
                .arg(e.bound, 0, 'f', 2)
          : tr("On %1 labelled items (seed %2): generative classifier accuracy %3 (the model "
               "has no q(y|x); the matrix is the generative classifier's).")
                .arg(e.items)
                .arg(r.seed)
                .arg(percent(e.generativeAccuracy));
  scores_->setText(text + QLatin1Char(' ') +
                   tr("Generative classifier: argmax over y of ELBO(x, y) + log p(y), uniform "
                      "p(y), one z per class (docs/metrics.md)."));
}

}  // namespace strata
