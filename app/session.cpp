#include "app/session.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTabWidget>
#include <QTimer>

#include <limits>

#include "app/main_window.h"
#include "app/view_names.h"
#include "core/base/errors.h"
#include "core/base/file_io.h"
#include "widgets/compare_view.h"
#include "widgets/map_controls.h"
#include "widgets/scatter_view.h"

namespace strata {

Session captureSession(const MainWindow& w) {
  Session s;
  s.dataset = w.datasetSpec();
  s.model = w.model() ? w.model()->info().path : QString();
  for (const ModelPtr& m : w.compareView()->models()) s.compare << m->info().path;
  s.view = viewNames().value(w.tabs()->currentIndex(), QStringLiteral("map"));
  const ProjectionRequest request = w.mapControls()->request();
  s.mapSource = request.source;
  s.mapMethod = request.method;
  s.mapSeed = qint64(request.seed);
  s.selection = w.scatterView()->selection();
  return s;
}

void restoreSession(MainWindow& w, const Session& s, QStringList* problems) {
  const bool modelOk = !s.model.isEmpty() && QFileInfo(s.model).isFile();
  if (!s.model.isEmpty() && !modelOk)
    problems->append(QObject::tr("model file not found: %1").arg(s.model));
  // The selection goes back once the map is drawn; a latent map is recomputed once the model
  // is there.
  auto* once = new QObject(&w);
  QObject::connect(&w, &MainWindow::projectionShown, once, [&w, selection = s.selection, once] {
    w.restoreSelection(selection);
    once->deleteLater();
  });
  if (s.mapSource != ProjectionRequest::kPixels || s.mapMethod != ProjectionMethod::Pca) {
    // A latent map needs both the session's model and its dataset, which load in either order.
    const QString model = modelOk ? s.model : QString();
    auto* whenReady = new QObject(&w);
    auto apply = [&w, s, model, whenReady] {
      const bool modelReady = w.model() && (model.isEmpty() || w.model()->info().path == model);
      const bool dataReady = w.dataset() && (s.dataset.isEmpty() || w.datasetSpec() == s.dataset);
      if (!modelReady || !dataReady || whenReady->property("done").toBool()) return;
      whenReady->setProperty("done", true);
      whenReady->deleteLater();
      w.mapControls()->setSource(s.mapSource);
      // Only the model tells which layers exist: one it lacks keeps the current source.
      if (w.mapControls()->request().source != s.mapSource)
        w.statusBar()->showMessage(
            QObject::tr("Session: map.source %1 is not a source this model and dataset offer; "
                        "the map keeps its current source")
                .arg(s.mapSource),
            10000);
      w.mapControls()->setMethod(s.mapMethod);
      w.requestMap();
    };
    QObject::connect(&w, &MainWindow::modelShown, whenReady, apply);
    QObject::connect(&w, &MainWindow::projectionShown, whenReady, apply);
  }
  w.openStartup(s.dataset, modelOk ? s.model : QString());
  QStringList compared;
  for (const QString& path : s.compare) {
    if (QFileInfo(path).isFile())
      compared << path;
    else
      problems->append(QObject::tr("model file not found: %1").arg(path));
  }
  w.restoreComparison(compared);
  w.showView(s.view);
}

Session readSession(const QString& path, QStringList* problems) {
  return parseSession(readJsonObject(path, QStringLiteral("session")), path, problems);
}

void writeSession(const QString& path, const Session& session) {
  // Atomic: a kill mid-write leaves the previous autosave intact.
  writeFileAtomically(path, QJsonDocument(sessionToJson(session)).toJson(),
                      QStringLiteral("session"));
}

bool openSession(MainWindow& window, const QString& path, QStringList* problems) {
  Session session;
  try {
    session = readSession(path, problems);
  } catch (const Error& e) {
    problems->clear();
    problems->append(QString::fromStdString(e.what()));
    return false;
  }
  restoreSession(window, session, problems);
  return true;
}

namespace {

QString lockPath() {
  return Autosaver::path() + QStringLiteral(".lock");
}

void configure(QLockFile& lock) {
  // Only a dead owner makes the lock stale, never its age: a session can stay open for days.
  lock.setStaleLockTime(std::numeric_limits<int>::max());
}

QString dataFile(const QString& name) {
  return QDir(QStandardPaths::writableLocation(QStandardPaths::AppDataLocation)).filePath(name);
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
  return dataFile(QStringLiteral("autosave.session.json"));
}

QString Autosaver::lastSessionPath() {
  return dataFile(QStringLiteral("last.session.json"));
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
  if (!window_->datasetSpec().isEmpty()) {
    Session last = captureSession(*window_);
    last.clean = true;
    try {
      writeSession(lastSessionPath(), last);
    } catch (const Error&) {
      // Closing must not fail for want of a writable data folder.
    }
  }
  if (!lock_.isLocked()) return;
  QFile::remove(path());
  lock_.unlock();
}

}  // namespace strata
