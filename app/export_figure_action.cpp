#include "app/export_figure_action.h"

#include <QComboBox>
#include <QDialog>
#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFontDatabase>
#include <QFormLayout>
#include <QLineEdit>
#include <QSettings>
#include <QSpinBox>

#include "core/base/job_runner.h"
#include "core/figures/figure_names.h"
#include "core/figures/recipe.h"

namespace strata {
namespace {

// Title, font, size and resolution, remembered between exports. False if cancelled.
bool askStyle(QWidget* parent, QJsonObject& style) {
  QSettings settings;
  QDialog dialog(parent);
  dialog.setWindowTitle(QObject::tr("Figure style"));
  auto* title = new QLineEdit(&dialog);
  title->setPlaceholderText(QObject::tr("(the view's own title)"));
  auto* font = new QComboBox(&dialog);
  font->addItems(QFontDatabase::families());
  font->setCurrentText(settings.value("figures/font", "DejaVu Sans").toString());
  auto* size = new QDoubleSpinBox(&dialog);
  size->setRange(4, 36);
  size->setSuffix(QObject::tr(" pt"));
  size->setValue(settings.value("figures/fontSize", 9.0).toDouble());
  auto* dpi = new QSpinBox(&dialog);
  dpi->setRange(72, 1200);
  dpi->setSuffix(QObject::tr(" DPI (PNG)"));
  dpi->setValue(settings.value("figures/dpi", 300).toInt());
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, &dialog);
  QObject::connect(buttons, &QDialogButtonBox::accepted, &dialog, &QDialog::accept);
  QObject::connect(buttons, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
  auto* form = new QFormLayout(&dialog);
  form->addRow(QObject::tr("Title"), title);
  form->addRow(QObject::tr("Font"), font);
  form->addRow(QObject::tr("Size"), size);
  form->addRow(QObject::tr("Resolution"), dpi);
  form->addRow(buttons);
  if (dialog.exec() != QDialog::Accepted) return false;
  settings.setValue("figures/font", font->currentText());
  settings.setValue("figures/fontSize", size->value());
  settings.setValue("figures/dpi", dpi->value());
  style = {{"font", font->currentText()}, {"font_size", size->value()}, {"dpi", dpi->value()}};
  if (!title->text().trimmed().isEmpty()) style["title"] = title->text().trimmed();
  return true;
}

}  // namespace

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
    exportAsking(recipe, QStringLiteral("pdf"));
  });
  connect(jobs_, &JobRunner::failed, this, [this](quint64, const QString&, const QString& error) {
    Q_EMIT message(tr("Export failed: %1").arg(error));
  });
}

void ExportFigureAction::exportAsking(const QJsonObject& recipe, const QString& suffix) {
  if (recipe.isEmpty()) return;
  QJsonObject style;
  if (!askStyle(parentWidget_, style)) return;
  QSettings settings;
  const QString folder = settings.value("figures/folder").toString();
  const QString name = recipe["figure"].toString() + '.' + suffix;
  QStringList filters{tr("PDF (*.pdf)"), tr("SVG (*.svg)"), tr("PNG (*.png)")};
  if (recipe["figure"].toString() == figureKindName(FigureKind::Traversal))
    filters << tr("GIF animation (*.gif)");
  QString chosen = filters.filter(QStringLiteral("*.") + suffix).value(0);
  const QString path = QFileDialog::getSaveFileName(parentWidget_, tr("Export figure"),
                                                    folder.isEmpty() ? name : folder + '/' + name,
                                                    filters.join(QStringLiteral(";;")), &chosen);
  if (path.isEmpty()) return;
  settings.setValue("figures/folder", QFileInfo(path).absolutePath());
  exportRecipe(recipe, path, style);
}

void ExportFigureAction::exportTo(const QString& path, const QJsonObject& style) {
  QString why;
  const QJsonObject recipe = recipe_(&why);
  if (recipe.isEmpty()) {
    Q_EMIT message(why);
    return;
  }
  exportRecipe(recipe, path, style);
}

void ExportFigureAction::exportRecipe(QJsonObject recipe, const QString& path,
                                      const QJsonObject& style) {
  if (!style.isEmpty()) recipe["style"] = style;
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
