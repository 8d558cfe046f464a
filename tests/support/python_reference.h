#pragma once
// Runs an independent Python reference (Debian's /usr/bin/python3 with NumPy, PyTorch or
// scikit-learn) and reads the JSON object it wrote. Header-only, Qt Core only.

#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QStringList>
#include <QtGlobal>

namespace strata {

// `arguments`: a script and its arguments, or "-c" and a program. Waits up to `timeoutMs`;
// when Python fails, its stderr goes out as a warning (which fails the test) and the result
// is empty, as it is when `outputJson` cannot be read.
inline QJsonObject runPythonReference(const QStringList& arguments, const QString& outputJson,
                                      int timeoutMs = 600000) {
  QProcess python;
  python.start(QStringLiteral("/usr/bin/python3"), arguments);
  if (!python.waitForFinished(timeoutMs) || python.exitCode() != 0) {
    qWarning("%s", python.readAllStandardError().constData());
    return {};
  }
  QFile f(outputJson);
  if (!f.open(QIODevice::ReadOnly)) return {};
  return QJsonDocument::fromJson(f.readAll()).object();
}

}  // namespace strata
