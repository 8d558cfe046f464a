#pragma once
// Strata's cache folder on disk (encodings, metric tables, vetted model files): where it is,
// how large it may grow and how it is emptied. Entries are files; the least recently used go
// first when the folder outgrows its limit, so a cache can never fill the disk.

#include <QString>

#include <cstdint>

namespace strata {

struct CacheUsage {
  QString folder;
  int64_t bytes = 0;
  int files = 0;
  int64_t limitBytes = 0;
};

class CacheFolder {
 public:
  // STRATA_CACHE_DIR if set (tests, scripted runs), else the user's cache location.
  static QString root();
  // The sub-folder for one kind of entry ("encodings", "metrics", "vetted-models").
  static QString folder(const QString& kind);
  // STRATA_CACHE_LIMIT_MB if set, else 8 GB: a few all-layer maps of a deep model.
  static int64_t limitBytes();
  // Marks an entry as just used (its modification time), so pruning keeps it longest.
  static void touch(const QString& path);
  // Deletes the least recently used entries under root() until it holds at most
  // limitBytes(). Returns the number of files removed. Temporary ".part" files of writes in
  // progress are left alone unless older than an hour.
  static int prune();
  static int prune(int64_t limitBytes);
  static CacheUsage usage();
  // Deletes every entry; returns the number of files removed.
  static int clear();
};

}  // namespace strata
