#include "app/export_figure_action.h"

#include <QFileDialog>
#include <QFileInfo>
#include <QSettings>

#include "core/job_runner.h"
#include "core/recipe.h"

namespace strata {

ExportFigureAction::ExportFigureAction(QWidget* parent,
                                       std::function<QJsonObject(QString* why)> recipe)
    : QAction(tr("Export &Figure…"), parent),
      parentWidget_(parent),
      recipe_(std::move(recipe)),
      jobs_(new JobRunner(this)) {
  setShortcut(QKeySequence(tr("Ctrl+E")));
  setStatusTip(tr("Save the current view as PNG, SVG or PDF, with a recipe to make it again"));
  connect(this, &QAction::triggered, this, [this] {
    QString why;
    const QJsonObject recipe = recipe_(&why);
    if (recipe.isEmpty()) {
      Q_EMIT message(why);
      return;
    }
    QSettings settings;
    const QString folder = settings.value("figures/folder").toString();
    const QString name = recipe["figure"].toString() + QStringLiteral(".pdf");
    const QString path = QFileDialog::getSaveFileName(
        parentWidget_, tr("Export figure"), folder.isEmpty() ? name : folder + '/' + name,
        recipe["figure"].toString() == QLatin1String("traversal")
            ? tr("PDF (*.pdf);;SVG (*.svg);;PNG (*.png);;GIF animation (*.gif)")
            : tr("PDF (*.pdf);;SVG (*.svg);;PNG (*.png)"));
    if (path.isEmpty()) return;
    settings.setValue("figures/folder", QFileInfo(path).absolutePath());
    exportTo(path);
  });
  connect(jobs_, &JobRunner::failed, this, [this](quint64, const QString&, const QString& error) {
    Q_EMIT message(tr("Export failed: %1").arg(error));
  });
}

void ExportFigureAction::exportTo(const QString& path) {
  QString why;
  const QJsonObject recipe = recipe_(&why);
  if (recipe.isEmpty()) {
    Q_EMIT message(why);
    return;
  }
  jobs_->start<RenderedFigure>(
      tr("Exporting %1").arg(QFileInfo(path).fileName()),
      [recipe, path](const JobControl& job) { return renderRecipe(recipe, path, {}, job); },
      [this](const RenderedFigure& f) {
        Q_EMIT message(
            tr("Wrote %1 and its recipe %2")
                .arg(QFileInfo(f.figurePath).fileName(), QFileInfo(f.recipePath).fileName()));
        Q_EMIT exported(f.figurePath, f.recipePath);
      });
}

}  // namespace strata
