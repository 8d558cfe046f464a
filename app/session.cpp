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
#include "core/base/errors.h"
#include "core/base/file_io.h"
#include "core/workspace/workspace.h"
#include "core/workspace/workspace_loader.h"

namespace strata {

Session captureSession(const MainWindow& w) {
  const Workspace& workspace = *w.workspace();
  Session s;
  s.dataset = workspace.datasetSpec();
  s.model = workspace.model() ? workspace.model()->info().path : QString();
  for (const ModelPtr& m : workspace.comparedModels()) s.compare << m->info().path;
  s.view = w.currentViewName();
  const ProjectionRequest& request = workspace.mapRequest();
  s.mapSource = request.source;
  s.mapMethod = request.method;
  s.mapSeed = qint64(request.seed);
  s.mapGraph = request.umap.graphEffort;
  s.selection = workspace.selection();
  return s;
}

namespace {

// Whether the open model and dataset offer `source` as a map source.
bool offersSource(const Workspace& workspace, int source) {
  if (source == ProjectionRequest::kPixels) return true;
  if (source == ProjectionRequest::kEmbedding) return workspace.embedding() != nullptr;
  if (!workspace.canEncodeDataset()) return false;
  return source == ProjectionRequest::kAllLayers ||
         (source >= 0 && source < int(workspace.model()->info().layers.size()));
}

// A latent map needs both the session's model and its dataset, which load in either order: the
// map is requested once both are there.
void restoreMapWhenReady(MainWindow& w, const Session& s, const QString& model) {
  Workspace* workspace = w.workspace();
  auto* whenReady = new QObject(&w);
  auto apply = [&w, workspace, s, model, whenReady] {
    const bool modelReady =
        workspace->model() && (model.isEmpty() || workspace->model()->info().path == model);
    const bool dataReady =
        workspace->dataset() && (s.dataset.isEmpty() || workspace->datasetSpec() == s.dataset);
    if (!modelReady || !dataReady || whenReady->property("done").toBool()) return;
    whenReady->setProperty("done", true);
    whenReady->deleteLater();
    ProjectionRequest request = workspace->mapRequest();
    request.method = s.mapMethod;
    request.seed = quint64(s.mapSeed);
    if (s.mapMethod == ProjectionMethod::Umap) request.umap.graphEffort = s.mapGraph;
    // Only the model tells which layers exist: one it lacks keeps the current source.
    if (offersSource(*workspace, s.mapSource))
      request.source = s.mapSource;
    else
      w.statusBar()->showMessage(
          QObject::tr("Session: map.source %1 is not a source this model and dataset offer; "
                      "the map keeps its current source")
              .arg(s.mapSource),
          10000);
    w.loader()->projectMap(request);
  };
  QObject::connect(workspace, &Workspace::modelChanged, whenReady, apply);
  QObject::connect(workspace, &Workspace::mapChanged, whenReady, apply);
}

}  // namespace

void restoreSession(MainWindow& w, const Session& s, QStringList* problems) {
  const bool modelOk = !s.model.isEmpty() && QFileInfo(s.model).isFile();
  if (!s.model.isEmpty() && !modelOk)
    problems->append(QObject::tr("model file not found: %1").arg(s.model));
  // The selection goes back once the map is drawn.
  auto* once = new QObject(&w);
  QObject::connect(w.workspace(), &Workspace::mapChanged, once,
                   [&w, selection = s.selection, once] {
                     w.workspace()->setSelection(selection);
                     once->deleteLater();
                   });
  if (s.mapSource != ProjectionRequest::kPixels || s.mapMethod != ProjectionMethod::Pca)
    restoreMapWhenReady(w, s, modelOk ? s.model : QString());
  w.openStartup(s.dataset, modelOk ? s.model : QString());
  QStringList compared;
  for (const QString& path : s.compare) {
    if (QFileInfo(path).isFile())
      compared << path;
    else
      problems->append(QObject::tr("model file not found: %1").arg(path));
  }
  w.loader()->restoreComparison(compared);
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
