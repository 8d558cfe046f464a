#pragma once
// Colour schemes shared by views and exports.

#include <QColor>
#include <QVector>

namespace strata {

// Distinct colours for categories; stays distinguishable for 20+ classes.
QColor categoricalColor(int index);
// Perceptually uniform viridis, t in [0, 1].
QColor viridis(double t);

}  // namespace strata
