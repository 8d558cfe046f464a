#include "widgets/temperature_controls.h"

#include <QCheckBox>
#include <QDoubleSpinBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QSignalBlocker>
#include <QSpinBox>

namespace strata {

TemperatureControls::TemperatureControls(QWidget* parent) : QWidget(parent) {
  row_ = new QHBoxLayout(this);
  row_->setContentsMargins(0, 0, 0, 0);
}

QDoubleSpinBox* TemperatureControls::addBox(const QString& label, const QString& tip) {
  if (!label.isEmpty()) row_->addWidget(new QLabel(label, this));
  auto* box = new QDoubleSpinBox(this);
  box->setRange(0.0, 1.5);
  box->setSingleStep(0.1);
  box->setValue(1.0);
  box->setToolTip(tip);
  row_->addWidget(box);
  return box;
}

void TemperatureControls::setModel(const ModelInfo* info) {
  while (QLayoutItem* item = row_->takeAt(0)) {
    delete item->widget();
    delete item;
  }
  groups_.clear();
  layerNames_.clear();
  groupBoxes_.clear();
  fromEnabled_ = nullptr;
  fromLayer_ = nullptr;
  fromTemperature_ = nullptr;
  if (!info) return;
  for (const LayerInfo& layer : info->layers) layerNames_.push_back(layer.shownName());
  // One box per layer for shallow models, one per group for deep ones (a row of 60 boxes would
  // not fit any screen), and one for all of them when there are several.
  groups_ = layerGroups(*info);
  if (groups_.size() > 1) {
    QDoubleSpinBox* all = addBox(tr("all"), tr("Set every group's temperature"));
    connect(all, &QDoubleSpinBox::valueChanged, this, [this](double value) {
      for (QDoubleSpinBox* box : groupBoxes_) {
        const QSignalBlocker block(box);
        box->setValue(value);
      }
      Q_EMIT changed();
    });
  }
  for (const LayerGroup& g : groups_) {
    groupBoxes_.push_back(addBox(
        g.label, g.count == 1
                     ? tr("Temperature of %1: scales its conditional prior's standard "
                          "deviation")
                           .arg(g.label)
                     : tr("Temperature of the %n layers of %1", nullptr, g.count).arg(g.label)));
    connect(groupBoxes_.back(), &QDoubleSpinBox::valueChanged, this, &TemperatureControls::changed);
  }
  const int layers = int(layerNames_.size());
  if (layers < 2) return;
  fromEnabled_ = new QCheckBox(tr("from layer"), this);
  fromEnabled_->setToolTip(tr("Layers k to %1 (counted from the top) take the temperature on "
                              "the right, overriding their group's box")
                               .arg(layers));
  fromLayer_ = new QSpinBox(this);
  fromLayer_->setRange(1, layers);
  fromLayer_->setValue(std::max(2, layers / 2));
  fromLayer_->setEnabled(false);
  row_->addWidget(fromEnabled_);
  row_->addWidget(fromLayer_);
  row_->addWidget(new QLabel(tr("on"), this));
  fromTemperature_ = addBox(QString(), tr("Temperature of the layers from k down"));
  fromTemperature_->setValue(0.5);
  fromTemperature_->setEnabled(false);
  auto toggle = [this](bool on) {
    fromLayer_->setEnabled(on);
    fromTemperature_->setEnabled(on);
    Q_EMIT changed();
  };
  connect(fromEnabled_, &QCheckBox::toggled, this, toggle);
  connect(fromLayer_, &QSpinBox::valueChanged, this, [this] {
    fromLayer_->setToolTip(layerNames_[size_t(fromLayer_->value() - 1)]);
    if (fromEnabled_->isChecked()) Q_EMIT changed();
  });
  fromLayer_->setToolTip(layerNames_[size_t(fromLayer_->value() - 1)]);
  connect(fromTemperature_, &QDoubleSpinBox::valueChanged, this, [this] {
    if (fromEnabled_->isChecked()) Q_EMIT changed();
  });
}

std::vector<double> TemperatureControls::layerTemperatures() const {
  std::vector<double> temps;
  for (size_t g = 0; g < groups_.size(); ++g)
    temps.insert(temps.end(), size_t(groups_[g].count), groupBoxes_[g]->value());
  if (fromEnabled_ && fromEnabled_->isChecked())
    for (size_t l = size_t(fromLayer_->value() - 1); l < temps.size(); ++l)
      temps[l] = fromTemperature_->value();
  return temps;
}

QString TemperatureControls::describe() const {
  QStringList parts;
  for (size_t g = 0; g < groups_.size(); ++g)
    parts << QStringLiteral("%1 %2").arg(groups_[g].label).arg(groupBoxes_[g]->value(), 0, 'f', 1);
  QString text = parts.join(QStringLiteral(", "));
  if (fromEnabled_ && fromEnabled_->isChecked())
    text += tr("; from layer %1 (%2) on %3")
                .arg(fromLayer_->value())
                .arg(layerNames_[size_t(fromLayer_->value() - 1)])
                .arg(fromTemperature_->value(), 0, 'f', 1);
  return text;
}

void TemperatureControls::setFromLayer(int k, double temperature) {
  if (!fromEnabled_) return;
  {
    const QSignalBlocker b1(fromLayer_), b2(fromTemperature_), b3(fromEnabled_);
    if (k > 0) fromLayer_->setValue(k);
    fromTemperature_->setValue(temperature);
    fromEnabled_->setChecked(k > 0);
    fromLayer_->setEnabled(k > 0);
    fromTemperature_->setEnabled(k > 0);
  }
  Q_EMIT changed();
}

}  // namespace strata
