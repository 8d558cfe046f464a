#pragma once
// Sessions: the workspace (dataset, model, compared models, view, map settings, selection) as
// a JSON file (docs/sessions.md), saved on request and autosaved, so that after a crash or a
// kill the next start offers to restore everything.

#include <QJsonObject>
#include <QLockFile>
#include <QObject>
#include <QString>

class QTimer;

namespace strata {

class MainWindow;

constexpr int kSessionVersion = 1;

QJsonObject captureSession(const MainWindow& window);
// Reopens what the session names; missing files are skipped with a message in `problems`.
void restoreSession(MainWindow& window, const QJsonObject& session, QStringList* problems);
QJsonObject readSession(const QString& path);                        // throws DataError
void writeSession(const QString& path, const QJsonObject& session);  // throws Error

// Writes the session every few seconds while the window is open, marked unclean; a normal
// close removes the file, so a file found at start means the last run did not end normally.
// A lock file keeps a second running instance from taking the first one's autosave for a
// crash (or deleting it); the lock of a killed process is recognised as stale.
class Autosaver : public QObject {
  Q_OBJECT

 public:
  Autosaver(MainWindow* window, int intervalMs);
  static QString path();
  // The autosave of a run that did not end normally, or "".
  static QString leftover();
  void saveNow();
  void finish();  // a normal close

 private:
  MainWindow* window_;
  QTimer* timer_;
  QLockFile lock_;
};

}  // namespace strata
