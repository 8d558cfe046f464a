#include "core/file_io.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QSaveFile>

#include "core/errors.h"

namespace strata {

void writeFileAtomically(const QString& path, const QByteArray& bytes, const QString& what) {
  QDir().mkpath(QFileInfo(path).absolutePath());
  QSaveFile file(path);
  if (!file.open(QIODevice::WriteOnly) || file.write(bytes) != bytes.size() || !file.commit())
    throw Error(QStringLiteral("%1: cannot write the %2").arg(path, what).toStdString());
}

QJsonObject readJsonObject(const QString& path) {
  QFile file(path);
  if (!file.open(QIODevice::ReadOnly)) throw DataError(path.toStdString(), "cannot be read");
  QJsonParseError error;
  const QJsonDocument doc = QJsonDocument::fromJson(file.readAll(), &error);
  if (error.error != QJsonParseError::NoError)
    throw DataError(path.toStdString(), "not JSON: " + error.errorString().toStdString());
  return doc.object();
}

}  // namespace strata
