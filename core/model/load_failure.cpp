#include "core/model/load_failure.h"

#include <QFile>
#include <QFileInfo>
#include <QRegularExpression>

#include <algorithm>

namespace strata {
namespace {

constexpr qint64 kTailBytes = qint64(1) << 20;  // ZIP central directories sit at the end

// True if the archive lists the members torch.export writes (serialized_exported_program.json
// up to PyTorch 2.5, archive_format = "pt2" from 2.6 on).
bool isTorchExportArchive(const QString& path) {
  QFile file(path);
  if (!QFileInfo(path).isFile() || !file.open(QIODevice::ReadOnly)) return false;
  const qint64 size = file.size();
  if (!file.seek(std::max<qint64>(0, size - kTailBytes))) return false;
  const QByteArray tail = file.read(kTailBytes);
  return tail.contains("serialized_exported_program") || tail.contains("/archive_format");
}

}  // namespace

QString describeLoadFailure(const QString& path, const std::string& error, const QString& runtime) {
  const QString text = QString::fromUtf8(error.c_str());
  static const QRegularExpression newer(
      QStringLiteral("version (\\d+), but the maximum supported version for reading is (\\d+)"));
  const QRegularExpressionMatch match = newer.match(text);
  if (match.hasMatch())
    return QStringLiteral(
               "file: written in TorchScript format version %1 by a newer PyTorch; this Strata's "
               "LibTorch %2 reads up to version %3 (save the model again with a PyTorch that "
               "writes it, see tools/README.md, \"Models from newer PyTorch\")")
        .arg(match.captured(1), runtime, match.captured(2));
  if (isTorchExportArchive(path))
    return QStringLiteral(
               "file: a torch.export program, which this Strata's LibTorch %1 cannot run; export "
               "the model with torch.jit.script or torch.jit.trace instead (tools/README.md, "
               "\"Models from newer PyTorch\")")
        .arg(runtime);
  return QStringLiteral("file: not a TorchScript model (%1)")
      .arg(text.section('\n', 0, 0).left(200));
}

}  // namespace strata
