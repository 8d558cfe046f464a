#pragma once
// File > Export Figure: the current view as PNG, SVG, PDF (or GIF for traversals), made from
// a recipe on a worker, with the recipe written beside the figure. The one path by which a
// figure reaches a file: the views' export buttons hand their recipe to it too.

#include <QAction>
#include <QJsonObject>

#include <functional>

namespace strata {

class JobRunner;

class ExportFigureAction : public QAction {
  Q_OBJECT

 public:
  // `recipe` returns the current view's recipe (empty: nothing to export, with `why` set).
  ExportFigureAction(QWidget* parent, std::function<QJsonObject(QString* why)> recipe);
  JobRunner* jobs() const { return jobs_; }
  // Renders without asking (for tests and scripts); `style` replaces the recipe's style
  // (font, font_size, dpi, title) when given.
  void exportTo(const QString& path, const QJsonObject& style = {});
  // Asks for the style and the file (offering `suffix` first), then renders `recipe`: File >
  // Export Figure with the current view's recipe, and the views' own export buttons with theirs.
  void exportAsking(const QJsonObject& recipe, const QString& suffix);
  // Renders `recipe` to `path` on a worker, with its recipe beside it.
  void exportRecipe(QJsonObject recipe, const QString& path, const QJsonObject& style = {});

 Q_SIGNALS:
  void exported(const QString& figure, const QString& recipe);
  void message(const QString& text);

 private:
  QWidget* parentWidget_;
  std::function<QJsonObject(QString*)> recipe_;
  JobRunner* jobs_;
};

}  // namespace strata
