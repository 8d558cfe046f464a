#include "core/base/cache_folder.h"

#include <QDateTime>
#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QFileInfo>
#include <QStandardPaths>

#include <algorithm>
#include <vector>

namespace strata {

namespace {

struct Entry {
  QString path;
  int64_t bytes;
  QDateTime used;
};

std::vector<Entry> entries() {
  std::vector<Entry> out;
  QDirIterator it(CacheFolder::root(), QDir::Files | QDir::NoSymLinks | QDir::Hidden,
                  QDirIterator::Subdirectories);
  while (it.hasNext()) {
    it.next();
    const QFileInfo info = it.fileInfo();
    out.push_back({info.absoluteFilePath(), info.size(), info.lastModified()});
  }
  return out;
}

bool isWriteInProgress(const Entry& e) {
  return e.path.endsWith(QLatin1String(".part")) &&
         e.used.secsTo(QDateTime::currentDateTimeUtc()) < 3600;
}

}  // namespace

QString CacheFolder::root() {
  const QString custom = qEnvironmentVariable("STRATA_CACHE_DIR");
  if (!custom.isEmpty()) return QDir(custom).absolutePath();
  return QStandardPaths::writableLocation(QStandardPaths::CacheLocation);
}

QString CacheFolder::folder(const QString& kind) {
  return QDir(root()).filePath(kind);
}

int64_t CacheFolder::limitBytes() {
  bool ok = false;
  const qint64 mb = qEnvironmentVariable("STRATA_CACHE_LIMIT_MB").toLongLong(&ok);
  if (ok && mb >= 0) return int64_t(mb) << 20;
  return int64_t(8) << 30;
}

void CacheFolder::touch(const QString& path) {
  QFile file(path);
  if (file.open(QIODevice::ReadWrite))
    file.setFileTime(QDateTime::currentDateTimeUtc(), QFileDevice::FileModificationTime);
}

int CacheFolder::prune() {
  return prune(limitBytes());
}

int CacheFolder::prune(int64_t limit) {
  std::vector<Entry> all = entries();
  int64_t total = 0;
  for (const Entry& e : all) total += e.bytes;
  if (total <= limit) return 0;
  std::sort(all.begin(), all.end(), [](const Entry& a, const Entry& b) { return a.used < b.used; });
  int removed = 0;
  for (const Entry& e : all) {
    if (total <= limit) break;
    if (isWriteInProgress(e)) continue;
    if (QFile::remove(e.path)) {
      total -= e.bytes;
      ++removed;
    }
  }
  return removed;
}

CacheUsage CacheFolder::usage() {
  CacheUsage u;
  u.folder = root();
  u.limitBytes = limitBytes();
  for (const Entry& e : entries()) {
    u.bytes += e.bytes;
    ++u.files;
  }
  return u;
}

int CacheFolder::clear() {
  int removed = 0;
  for (const Entry& e : entries())
    if (QFile::remove(e.path)) ++removed;
  return removed;
}

}  // namespace strata
