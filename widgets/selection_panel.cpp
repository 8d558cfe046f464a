#include "widgets/selection_panel.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QVBoxLayout>

#include <map>

#include "core/data/image_convert.h"
#include "core/workspace/workspace.h"
#include "widgets/image_grid.h"

namespace strata {

SelectionPanel::SelectionPanel(QWidget* parent) : QWidget(parent) {
  summary_ = new QLabel(tr("Shift-drag on the map to lasso points, Ctrl-drag for a box."), this);
  summary_->setWordWrap(true);
  thumbnails_ = new ImageGrid(this);
  export_ = new QPushButton(tr("Export indices…"), this);
  clear_ = new QPushButton(tr("Clear"), this);
  auto* buttons = new QHBoxLayout;
  buttons->addWidget(export_);
  buttons->addWidget(clear_);
  auto* layout = new QVBoxLayout(this);
  layout->addWidget(summary_);
  layout->addWidget(thumbnails_, 1);
  layout->addLayout(buttons);
  export_->setEnabled(false);
  clear_->setEnabled(false);
  connect(clear_, &QPushButton::clicked, this, [this] {
    setSelection({});
    Q_EMIT cleared();
  });
  connect(export_, &QPushButton::clicked, this, &SelectionPanel::exportRequested);
  connect(thumbnails_, &ImageGrid::cellClicked, this, [this](int cell) {
    if (cell >= 0 && size_t(cell) < indices_.size()) Q_EMIT itemClicked(indices_[size_t(cell)]);
  });
}

void SelectionPanel::attach(Workspace* workspace) {
  connect(workspace, &Workspace::datasetChanged, this,
          [this, workspace] { setDataset(workspace->dataset()); });
  connect(workspace, &Workspace::selectionChanged, this,
          [this, workspace] { setSelection(workspace->selection()); });
  connect(this, &SelectionPanel::cleared, workspace, [workspace] { workspace->setSelection({}); });
  connect(this, &SelectionPanel::itemClicked, workspace,
          [workspace](int64_t index) { workspace->pinItem(index); });
}

void SelectionPanel::setDataset(DatasetPtr dataset) {
  dataset_ = std::move(dataset);
  setSelection({});
}

void SelectionPanel::setSelection(const std::vector<int>& indices) {
  indices_ = indices;
  export_->setEnabled(!indices_.empty());
  clear_->setEnabled(!indices_.empty());
  if (indices_.empty() || !dataset_) {
    thumbnails_->setMessage(tr("No selection"));
    summary_->setText(tr("Shift-drag on the map to lasso points, Ctrl-drag for a box."));
    return;
  }
  QVector<QImage> images;
  for (size_t i = 0; i < indices_.size() && i < size_t(kMaxThumbnails); ++i)
    images << datasetImage(*dataset_, indices_[i]);
  thumbnails_->setImages(images, 6);
  QString text = tr("%n item(s) selected", "", int(indices_.size()));
  if (dataset_->hasLabels()) {
    // Counted in a vector by label (a lasso may hold ten million items; a map lookup per
    // item took most of a second); labels outside it (negative: unlabelled, or beyond any
    // class list) in a map. Listed in ascending label order, as before.
    constexpr int kDirectLabels = 1 << 16;
    std::vector<int64_t> direct;
    std::map<int, int64_t> others;
    for (int i : indices_) {
      const int label = dataset_->label(i);
      if (label < 0 || label >= kDirectLabels) {
        ++others[label];
        continue;
      }
      if (size_t(label) >= direct.size()) direct.resize(size_t(label) + 1, 0);
      ++direct[size_t(label)];
    }
    for (size_t label = 0; label < direct.size(); ++label)
      if (direct[label] > 0) others[int(label)] = direct[label];
    QStringList parts;
    for (const auto& [label, count] : others)
      parts << QStringLiteral("%1 %2").arg(count).arg(
          dataset_->classNames().value(label, QString::number(label)));
    text += ": " + parts.join(", ");
  }
  if (indices_.size() > size_t(kMaxThumbnails)) text += tr(" (first %1 shown)").arg(kMaxThumbnails);
  summary_->setText(text);
}

}  // namespace strata
