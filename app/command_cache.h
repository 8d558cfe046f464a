#pragma once
// strata cache [--clear]: where Strata caches encodings, metric tables and vetted model files,
// how much it holds against its limit, and a way to empty it.

#include <QStringList>

namespace strata::cli {

int cacheCommand(const QStringList& arguments);

}  // namespace strata::cli
