#pragma once
// The main window's reactions (app/reaction.h), one per menu action whose enable state follows
// the workspace.

#include <QJsonObject>
#include <QString>

#include <functional>

#include "app/reaction.h"

class QAction;
class QWidget;

namespace strata {

class CompareView;
class MainWindow;
class MapPage;
class Workspace;
class WorkspaceLoader;

// File > Save Session: writes the workspace to a session file. Needs an open dataset.
class SaveSessionReaction : public Reaction {
  Q_OBJECT
 public:
  SaveSessionReaction(QAction* action, MainWindow* window);
  static bool saveSession(MainWindow& window, const QString& path, QString* error);

 protected:
  void onTriggered() override;
  void updateEnableState() override;

 private:
  MainWindow* window_;
};

// File > Open Session.
class OpenSessionReaction : public Reaction {
  Q_OBJECT
 public:
  OpenSessionReaction(QAction* action, MainWindow* window);

 protected:
  void onTriggered() override;

 private:
  MainWindow* window_;
};

// File > Export Figure: enabled only while the current view has a figure to export (the export
// itself is the action's: app/export_figure_action.h).
class ExportFigureReaction : public Reaction {
  Q_OBJECT
 public:
  ExportFigureReaction(QAction* action, Workspace* workspace,
                       std::function<QJsonObject(QString* why)> recipe);
  // Re-checks after a change the workspace does not see (another tab, a view's own state).
  void refresh() { updateEnableState(); }

 protected:
  void onTriggered() override {}
  void updateEnableState() override;

 private:
  std::function<QJsonObject(QString*)> recipe_;
};

// View > 3-D: three components with rotation; enabled when the map has three dimensions.
class ThreeDReaction : public Reaction {
  Q_OBJECT
 public:
  ThreeDReaction(QAction* action, Workspace* workspace, MapPage* map);

 protected:
  void onTriggered() override {}
  void updateEnableState() override;

 private:
  Workspace* workspace_;
  MapPage* map_;
};

// Compare > Add Model: a bundled model or a file, loaded into the comparison. Disabled when the
// comparison is full.
class AddCompareModelReaction : public Reaction {
  Q_OBJECT
 public:
  AddCompareModelReaction(QAction* action, Workspace* workspace, WorkspaceLoader* loader,
                          QWidget* dialogParent);

 protected:
  void onTriggered() override;
  void updateEnableState() override;

 private:
  Workspace* workspace_;
  WorkspaceLoader* loader_;
  QWidget* dialogParent_;
};

// Compare > Export Metrics: the metrics table as CSV or JSON; enabled once metrics exist.
// Compare > Export Metrics: the metric table as CSV or JSON (writeMetricsTable).
class ExportCompareMetricsReaction : public Reaction {
  Q_OBJECT
 public:
  ExportCompareMetricsReaction(QAction* action, CompareView* compare);

 protected:
  void onTriggered() override;
  void updateEnableState() override;

 private:
  CompareView* compare_;
};

// File > Export Selection: the items selected on the map as "index,label" lines (CSV). Needs a
// selection.
class ExportSelectionReaction : public Reaction {
  Q_OBJECT
 public:
  ExportSelectionReaction(QAction* action, Workspace* workspace, QWidget* dialogParent);

 protected:
  void onTriggered() override;
  void updateEnableState() override;

 private:
  Workspace* workspace_;
  QWidget* dialogParent_;
};

}  // namespace strata
