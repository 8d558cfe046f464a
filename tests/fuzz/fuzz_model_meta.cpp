// A model's strata_meta JSON: parseModelMeta must report every problem as a violation and
// never throw or crash.

#include <QString>
#include <QStringList>

#include "core/model/model_meta.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace strata;
  const QString json = QString::fromUtf8(reinterpret_cast<const char*>(data), qsizetype(size));
  ModelInfo info;
  QStringList violations;
  parseModelMeta(json, info, violations);
  return 0;
}
