#include "core/base/file_checks.h"

#include <QFileInfo>

#include "core/base/errors.h"

namespace strata {

void requireOutputFolder(const QString& output) {
  const QFileInfo folder(QFileInfo(output).absolutePath());
  if (!folder.isDir())
    throw Error(
        QStringLiteral("output folder %1 does not exist").arg(folder.filePath()).toStdString());
}

void requireFileOrFolder(const QString& path) {
  const QFileInfo info(path);
  if (info.exists() && !info.isFile() && !info.isDir())
    throw DataError(path.toStdString(),
                    "is not a regular file or folder (a device, FIFO or socket)");
}

}  // namespace strata
