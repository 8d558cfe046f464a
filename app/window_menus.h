#pragma once
// The window's menus and toolbar, built in one place, one line per action: what an action does
// and when it is enabled is its reaction's (app/reactions.h) or its action class's.

namespace strata {

class ExportFigureAction;
class MainWindow;
class RecentModelsMenu;

// The actions the window keeps for its status bar and its feedback.
struct WindowActions {
  ExportFigureAction* exportFigure = nullptr;
  RecentModelsMenu* recentModels = nullptr;
};

WindowActions buildWindowMenus(MainWindow& window);

}  // namespace strata
