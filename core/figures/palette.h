#pragma once
// Colour schemes shared by views and exports.

#include <QColor>
#include <QVector>

namespace strata {

// Distinct colours for categories; stays distinguishable for 20+ classes.
QColor categoricalColor(int index);
// Perceptually uniform viridis, t in [0, 1].
QColor viridis(double t);
// Correlations: white at 0 to red at +1 and blue at -1 (ColorBrewer RdBu ends); grey for NaN.
QColor diverging(double r);

}  // namespace strata
