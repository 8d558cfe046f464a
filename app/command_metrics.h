#pragma once
// `strata metrics MODEL.pt... --data SPEC`: the metrics table of one or more models, printed
// and written as CSV / JSON.

#include <QStringList>

namespace strata::cli {

int metricsCommand(const QStringList& arguments);

}  // namespace strata::cli
