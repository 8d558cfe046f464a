#include "core/base/resources.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>

namespace strata {

QString resourceDirectory() {
  QString fromEnv = qEnvironmentVariable("STRATA_RESOURCE_DIR");
  if (!fromEnv.isEmpty()) return fromEnv;
  if (QCoreApplication::instance()) {
    const QString installed =
        QDir(QCoreApplication::applicationDirPath()).filePath("../share/strata");
    if (QFileInfo(installed).isDir()) return QDir::cleanPath(installed);
  }
  return QStringLiteral(STRATA_SOURCE_RESOURCES);
}

QString bundledModelPath(const QString& fileName) {
  return QDir(resourceDirectory()).filePath("models/" + fileName);
}

QString modelCardPath(const QString& modelPath) {
  QString card = modelPath;
  if (card.endsWith(".pt")) card.chop(3);
  card += ".card.json";
  return QFileInfo(card).isFile() ? card : QString();
}

}  // namespace strata
