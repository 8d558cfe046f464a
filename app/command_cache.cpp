#include "app/command_cache.h"

#include <QCommandLineParser>
#include <QTextStream>

#include "app/cli_support.h"
#include "core/base/cache_folder.h"

namespace strata::cli {

namespace {

QString megabytes(int64_t bytes) {
  return QStringLiteral("%1 MB").arg(double(bytes) / double(1 << 20), 0, 'f', 1);
}

}  // namespace

int cacheCommand(const QStringList& arguments) {
  QCommandLineParser parser;
  parser.setApplicationDescription(QStringLiteral(
      "Show Strata's cache (encodings, metric tables, vetted model files): its folder, size and "
      "limit (STRATA_CACHE_LIMIT_MB, default 8 GB; the least recently used entries go first)."));
  parser.addHelpOption();
  const QCommandLineOption clear("clear", "delete every cached entry");
  parser.addOption(clear);
  return runCommand("cache", [&] {
    if (!parseArguments(parser, arguments, "cache")) return int(kOk);
    QTextStream out(stdout);
    if (parser.isSet(clear)) {
      const int removed = CacheFolder::clear();
      out << "removed " << removed << " cached files from " << CacheFolder::root() << "\n";
      return int(kOk);
    }
    const CacheUsage usage = CacheFolder::usage();
    out << "folder: " << usage.folder << "\n"
        << "size: " << megabytes(usage.bytes) << " in " << usage.files << " files\n"
        << "limit: " << megabytes(usage.limitBytes) << "\n";
    return int(kOk);
  });
}

}  // namespace strata::cli
