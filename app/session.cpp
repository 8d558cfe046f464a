#include "app/session.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSaveFile>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTimer>

#include <limits>

#include "app/main_window.h"
#include "core/errors.h"
#include "core/file_io.h"
#include "widgets/compare_view.h"
#include "widgets/map_controls.h"
#include "widgets/scatter_view.h"

namespace strata {

QJsonObject captureSession(const MainWindow& w) {
  QJsonArray compared, selection;
  for (const ModelPtr& m : w.compareView()->models()) compared.append(m->info().path);
  for (int i : w.scatterView()->selection()) selection.append(i);
  const ProjectionRequest request = w.mapControls()->request();
  return {{"strata_session", kSessionVersion},
          {"saved", QDateTime::currentDateTimeUtc().toString(Qt::ISODate)},
          {"clean", false},
          {"dataset", w.datasetSpec()},
          {"model", w.model() ? w.model()->info().path : QString()},
          {"compare", compared},
          {"view", QStringList{"map", "reconstructions", "traverse", "hierarchy", "compare"}.value(
                       w.tabs()->currentIndex())},
          {"map", QJsonObject{{"source", request.source},
                              {"method", int(request.method)},
                              {"seed", qint64(request.seed)}}},
          {"selection", selection}};
}

void restoreSession(MainWindow& w, const QJsonObject& s, QStringList* problems) {
  const QString dataset = s["dataset"].toString();
  const QString model = s["model"].toString();
  if (!model.isEmpty() && !QFileInfo(model).isFile())
    problems->append(QObject::tr("model file not found: %1").arg(model));
  const bool modelOk = !model.isEmpty() && QFileInfo(model).isFile();
  std::vector<int> selection;
  for (const auto& v : s["selection"].toArray()) selection.push_back(v.toInt());
  const QJsonObject map = s["map"].toObject();
  const int source = map["source"].toInt(ProjectionRequest::kPixels);
  const auto method = ProjectionMethod(map["method"].toInt(0));
  // The selection goes back once the map is drawn; a latent map is recomputed once the model
  // is there.
  auto* once = new QObject(&w);
  QObject::connect(&w, &MainWindow::projectionShown, once, [&w, selection, once] {
    w.restoreSelection(selection);
    once->deleteLater();
  });
  if (source != ProjectionRequest::kPixels || method != ProjectionMethod::Pca) {
    auto* whenModel = new QObject(&w);
    QObject::connect(&w, &MainWindow::modelShown, whenModel, [&w, source, method, whenModel] {
      w.mapControls()->setSource(source);
      w.mapControls()->setMethod(method);
      w.requestMap();
      whenModel->deleteLater();
    });
  }
  w.openStartup(dataset, modelOk ? model : QString());
  QStringList compared;
  for (const auto& v : s["compare"].toArray()) {
    if (QFileInfo(v.toString()).isFile())
      compared << v.toString();
    else
      problems->append(QObject::tr("model file not found: %1").arg(v.toString()));
  }
  w.restoreComparison(compared);
  w.showView(s["view"].toString("map"));
}

QJsonObject readSession(const QString& path) {
  QJsonObject session = readJsonObject(path);
  if (session["strata_session"].toInt() < 1)
    throw DataError(path.toStdString(), "not a Strata session (no \"strata_session\")");
  return session;
}

void writeSession(const QString& path, const QJsonObject& session) {
  // Atomic: a kill mid-write leaves the previous autosave intact.
  writeFileAtomically(path, QJsonDocument(session).toJson(), QStringLiteral("session"));
}

namespace {

QString lockPath() {
  return Autosaver::path() + QStringLiteral(".lock");
}

void configure(QLockFile& lock) {
  // Only a dead owner makes the lock stale, never its age: a session can stay open for days.
  lock.setStaleLockTime(std::numeric_limits<int>::max());
}

}  // namespace

Autosaver::Autosaver(MainWindow* window, int intervalMs)
    : QObject(window), window_(window), timer_(new QTimer(this)), lock_(lockPath()) {
  QDir().mkpath(QFileInfo(path()).absolutePath());
  configure(lock_);
  if (!lock_.tryLock(0)) return;  // another instance autosaves; this one leaves it alone
  timer_->setInterval(intervalMs);
  connect(timer_, &QTimer::timeout, this, &Autosaver::saveNow);
  // Saving right after the workspace changes loses less than waiting for the timer.
  connect(window, &MainWindow::modelShown, this, &Autosaver::saveNow);
  connect(window, &MainWindow::projectionShown, this, &Autosaver::saveNow);
  connect(window, &MainWindow::compareModelAdded, this, &Autosaver::saveNow);
  timer_->start();
}

QString Autosaver::path() {
  return QDir(QStandardPaths::writableLocation(QStandardPaths::AppDataLocation))
      .filePath(QStringLiteral("autosave.session.json"));
}

QString Autosaver::leftover() {
  if (!QFileInfo::exists(path())) return {};
  QLockFile lock(lockPath());
  configure(lock);
  if (!lock.tryLock(0)) return {};  // its instance is still running
  lock.unlock();
  return path();
}

void Autosaver::saveNow() {
  if (!lock_.isLocked()) return;
  if (window_->datasetSpec().isEmpty()) return;  // nothing opened yet: nothing to lose
  try {
    writeSession(path(), captureSession(*window_));
  } catch (const Error&) {
    // An unwritable data folder must not disturb the work; the next save tries again.
  }
}

void Autosaver::finish() {
  timer_->stop();
  if (!lock_.isLocked()) return;
  QFile::remove(path());
  lock_.unlock();
}

}  // namespace strata
