#pragma once
// The temperature row of the hierarchy view: one box per layer group (every layer alone for
// shallow models), an "all" box, and "from layer k on", which overrides the layers from k down
// (how deep-hierarchy papers sample: the top at temperature 1, the detail layers cooler).

#include <QString>
#include <QWidget>

#include <vector>

#include "core/model/layer_groups.h"
#include "core/model/model.h"

class QCheckBox;
class QDoubleSpinBox;
class QHBoxLayout;
class QSpinBox;

namespace strata {

class TemperatureControls : public QWidget {
  Q_OBJECT

 public:
  explicit TemperatureControls(QWidget* parent = nullptr);

  void setModel(const ModelInfo* info);  // nullptr: no model, no boxes
  // One temperature per layer, top first.
  std::vector<double> layerTemperatures() const;
  // What the temperatures are, for a caption: "z_top 1.0, z_mid 0.5" or "1 x 1 1.0, … ; from
  // layer 12 (7 x 7 #2) on 0.6".
  QString describe() const;
  // "From layer k on" (k counted from 1 at the top); k = 0 turns it off.
  void setFromLayer(int k, double temperature);

 Q_SIGNALS:
  void changed();

 private:
  QDoubleSpinBox* addBox(const QString& label, const QString& tip);

  QHBoxLayout* row_ = nullptr;
  std::vector<LayerGroup> groups_;
  std::vector<QString> layerNames_;
  std::vector<QDoubleSpinBox*> groupBoxes_;
  QCheckBox* fromEnabled_ = nullptr;
  QSpinBox* fromLayer_ = nullptr;
  QDoubleSpinBox* fromTemperature_ = nullptr;
};

}  // namespace strata
