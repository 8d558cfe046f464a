#include "core/data/selection_export.h"

#include "core/base/csv_field.h"
#include "core/base/file_io.h"

namespace strata {

QByteArray selectionCsv(const std::vector<int>& indices, const Dataset* dataset) {
  QByteArray out("index,label\n");
  for (int index : indices) {
    out += QByteArray::number(index);
    out += ',';
    if (dataset && index >= 0 && index < dataset->size())
      out += csvField(dataset->labelName(index)).toUtf8();
    out += '\n';
  }
  return out;
}

void writeSelectionCsv(const QString& path, const std::vector<int>& indices,
                       const Dataset* dataset) {
  writeFileAtomically(path, selectionCsv(indices, dataset), QStringLiteral("selection"));
}

}  // namespace strata
