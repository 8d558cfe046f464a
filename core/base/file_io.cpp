#include "core/base/file_io.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QSaveFile>

#include "core/base/errors.h"

namespace strata {

void writeFileAtomically(const QString& path, const QByteArray& bytes, const QString& what) {
  QDir().mkpath(QFileInfo(path).absolutePath());
  QSaveFile file(path);
  if (!file.open(QIODevice::WriteOnly) || file.write(bytes) != bytes.size() || !file.commit())
    throw Error(QStringLiteral("%1: cannot write the %2").arg(path, what).toStdString());
}

namespace {

QString sizeText(qint64 bytes) {
  if (bytes >= (1LL << 30))
    return QStringLiteral("%1 GB").arg(double(bytes) / double(1LL << 30), 0, 'f', 1);
  if (bytes >= (1LL << 20))
    return QStringLiteral("%1 MB").arg(double(bytes) / double(1LL << 20), 0, 'f', 1);
  return QStringLiteral("%1 bytes").arg(bytes);
}

}  // namespace

QString fileSha256(const QString& path) {
  QFile file(path);
  if (!file.open(QIODevice::ReadOnly)) return {};
  QCryptographicHash hash(QCryptographicHash::Sha256);
  if (!hash.addData(&file)) return {};
  return QString::fromLatin1(hash.result().toHex());
}

QByteArray readFileBounded(const QString& path, qint64 maxBytes, const QString& what) {
  const QFileInfo info(path);
  if (!info.exists()) throw DataError(path.toStdString(), "no such file");
  if (info.isDir()) throw DataError(path.toStdString(), "is a folder, not a file");
  // Devices, FIFOs and sockets report no size or an endless stream: never read them.
  if (!info.isFile())
    throw DataError(path.toStdString(), "is not a regular file (a device, FIFO or socket)");
  const QString limit =
      QStringLiteral("is larger than %1, the most a %2 can be").arg(sizeText(maxBytes), what);
  if (info.size() > maxBytes) throw DataError(path.toStdString(), limit.toStdString());
  QFile file(path);
  if (!file.open(QIODevice::ReadOnly)) throw DataError(path.toStdString(), "cannot be read");
  // The file may grow between stat and read: read one byte past the limit to notice.
  QByteArray bytes = file.read(maxBytes + 1);
  if (bytes.size() > maxBytes) throw DataError(path.toStdString(), limit.toStdString());
  if (file.error() != QFileDevice::NoError)
    throw DataError(path.toStdString(), "cannot be read: " + file.errorString().toStdString());
  return bytes;
}

QJsonObject readJsonObject(const QString& path, const QString& what) {
  const QByteArray bytes = readFileBounded(path, kMaxJsonBytes, what);
  QJsonParseError error;
  const QJsonDocument doc = QJsonDocument::fromJson(bytes, &error);
  if (error.error != QJsonParseError::NoError)
    throw DataError(path.toStdString(), QStringLiteral("not JSON (%1 at byte %2)")
                                            .arg(error.errorString())
                                            .arg(error.offset)
                                            .toStdString());
  if (!doc.isObject()) throw DataError(path.toStdString(), "not a JSON object");
  return doc.object();
}

}  // namespace strata
