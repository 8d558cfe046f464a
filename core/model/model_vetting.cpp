#include "core/model/model_vetting.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QProcessEnvironment>

#include <csignal>
#include <cstring>
#include <mutex>

#include "core/base/cache_folder.h"
#include "core/base/file_io.h"

namespace strata {

namespace {

constexpr const char* kChildVariable = "STRATA_VETTING_CHILD";
// Validation probes run every method on a small batch: a minute is generous even for deep
// models on a busy machine; beyond that the file is treated as hanging LibTorch.
constexpr int kChildTimeoutMs = 5 * 60 * 1000;

std::mutex& executableMutex() {
  static std::mutex m;
  return m;
}

QString& executableStorage() {
  static QString path;
  return path;
}

QString vettedMarker(const QString& hash) {
  return QDir(CacheFolder::folder(QStringLiteral("vetted-models"))).filePath(hash);
}

QString signalName(int signal) {
  switch (signal) {
    case SIGSEGV:
      return QStringLiteral("segmentation fault");
    case SIGABRT:
      return QStringLiteral("abort");
    case SIGBUS:
      return QStringLiteral("bus error");
    case SIGFPE:
      return QStringLiteral("arithmetic exception");
    case SIGILL:
      return QStringLiteral("illegal instruction");
    case SIGKILL:
      return QStringLiteral("killed, perhaps out of memory");
    default:
      return QStringLiteral("signal %1").arg(signal);
  }
}

}  // namespace

void setModelVettingExecutable(const QString& executable) {
  std::lock_guard<std::mutex> lock(executableMutex());
  executableStorage() = executable;
}

QString modelVettingExecutable() {
  std::lock_guard<std::mutex> lock(executableMutex());
  return executableStorage();
}

QString currentExecutablePath() {
  return QFileInfo(QStringLiteral("/proc/self/exe")).canonicalFilePath();
}

bool isVettingChild() {
  return qEnvironmentVariableIsSet(kChildVariable);
}

QString vetModelFile(const QString& path) {
  const QString executable = modelVettingExecutable();
  if (executable.isEmpty() || isVettingChild()) return {};
  const QString hash = fileSha256(path);
  if (!hash.isEmpty() && QFileInfo::exists(vettedMarker(hash))) {
    CacheFolder::touch(vettedMarker(hash));
    return {};
  }
  QProcess child;
  QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
  environment.insert(QString::fromLatin1(kChildVariable), QStringLiteral("1"));
  child.setProcessEnvironment(environment);
  child.setProcessChannelMode(QProcess::MergedChannels);
  child.start(executable, {QStringLiteral("validate"), path});
  if (!child.waitForStarted(30000))
    return QStringLiteral("could not start a process to check the file (%1)")
        .arg(child.errorString());
  // Drain output as it comes so a chatty child never blocks on a full pipe.
  QByteArray output;
  QElapsedTimer timer;
  timer.start();
  while (!child.waitForFinished(200)) {
    output += child.readAll();
    if (timer.elapsed() > kChildTimeoutMs) {
      child.kill();
      child.waitForFinished(5000);
      return QStringLiteral(
                 "LibTorch did not finish opening and probing the file within %1 "
                 "minutes")
          .arg(kChildTimeoutMs / 60000);
    }
  }
  output += child.readAll();
  if (child.exitStatus() == QProcess::CrashExit) {
    // QProcess does not report the signal; the shell convention is all that is portable here.
    return QStringLiteral(
               "LibTorch crashed while opening the file (%1): it is damaged or was "
               "written by an incompatible program")
        .arg(child.exitCode() > 0 ? signalName(child.exitCode())
                                  : QStringLiteral("the process died"));
  }
  // Exit 1 is a file with violations: the in-process validation lists them. Only a clean
  // pass is remembered, so a broken file is re-checked (and re-reported) every time.
  if (child.exitCode() == 0 && !hash.isEmpty()) {
    QDir().mkpath(QFileInfo(vettedMarker(hash)).absolutePath());
    QFile marker(vettedMarker(hash));
    if (marker.open(QIODevice::WriteOnly)) marker.write(path.toUtf8() + '\n');
  }
  return {};
}

}  // namespace strata
