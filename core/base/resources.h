#pragma once
// Where Strata's bundled files (models, cards) are.

#include <QString>

namespace strata {

// $STRATA_RESOURCE_DIR, else <executable>/../share/strata, else the source tree's resources/.
QString resourceDirectory();
QString bundledModelPath(const QString& fileName);
// The model card that sits beside a model file ("x.pt" -> "x.card.json"), or "".
QString modelCardPath(const QString& modelPath);

}  // namespace strata
