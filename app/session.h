#pragma once
// Sessions: the workspace (dataset, model, compared models, view, map settings, selection) as
// a JSON file (docs/sessions.md), saved on request and autosaved, so that after a crash or a
// kill the next start offers to restore everything.

#include <QLockFile>
#include <QObject>
#include <QString>
#include <QStringList>

#include "app/session_format.h"

class QTimer;

namespace strata {

class MainWindow;

Session captureSession(const MainWindow& window);
// Reopens what the session names; missing files are skipped with a message in `problems`.
void restoreSession(MainWindow& window, const Session& session, QStringList* problems);
// Throws DataError if the file cannot be read (too large, not a regular file, not JSON) or is
// no session; fields that fall back to their defaults are listed in `problems`.
Session readSession(const QString& path, QStringList* problems);
void writeSession(const QString& path, const Session& session);  // throws Error
// Reads and restores `path`. False if the file is no usable session: the window is left as it
// was and `problems` holds the one-line reason. Otherwise `problems` lists the fields that
// fell back to their defaults and the files that are missing.
bool openSession(MainWindow& window, const QString& path, QStringList* problems);

// Writes the session every few seconds while the window is open, marked unclean; a normal
// close removes the file, so a file found at start means the last run did not end normally.
// A lock file keeps a second running instance from taking the first one's autosave for a
// crash (or deleting it); the lock of a killed process is recognised as stale.
class Autosaver : public QObject {
  Q_OBJECT

 public:
  Autosaver(MainWindow* window, int intervalMs);
  static QString path();
  // The workspace at the last normal close, marked clean, for reopening after a logout.
  static QString lastSessionPath();
  // The autosave of a run that did not end normally, or "".
  static QString leftover();
  void saveNow();
  // A normal close (Quit, closing the window, SIGTERM or SIGINT): writes the last session,
  // then removes the autosave and releases its lock.
  void finish();

 private:
  MainWindow* window_;
  QTimer* timer_;
  QLockFile lock_;
};

}  // namespace strata
