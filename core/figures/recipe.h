#pragma once
// Figure recipes: a small JSON that holds everything a figure was made from (model files and
// their SHA-256, dataset, seed, view and every parameter). Every export writes one beside the
// figure ("fig.png" -> "fig.png.json"), and renderRecipe() makes the same figure again,
// headless; raster grids come out byte-identical. Format: docs/recipes.md.

#include <QJsonObject>
#include <QString>
#include <QStringList>

#include "core/base/job.h"
#include "core/figures/recipe_params.h"
#include "core/figures/recipe_schema.h"

namespace strata {

// Model reference for a recipe: "bundled:NAME.pt" for bundled models, else the absolute path,
// with the file's SHA-256. Without `hash` (the window, which must not read model files on the
// GUI thread) renderRecipe adds the hash on its worker.
QJsonObject modelReference(const QString& path, bool hash = true);
// The same reference for the recipe structs (recipe_params.h).
RecipeModel recipeModel(const QString& path, bool hash = true);
// Resolves a model reference (relative paths against `baseDir`); throws Error if the file is
// missing or its hash differs from the recipe's (unless `checkHash` is false).
QString resolveModel(const QJsonObject& reference, const QString& baseDir, bool checkHash = true);

struct RenderedFigure {
  QString figurePath, recipePath;
};

// Renders `recipe` to `output` (.png, .svg, .pdf, or .gif for traversals), into a folder that
// must exist; relative paths in the recipe resolve against `baseDir`. Writes the recipe beside
// the figure and nothing else (encodings go to the user's cache folder). Validates the recipe
// first (validateRecipe). Throws DataError naming `where` (the recipe's file; "recipe" if
// empty) for a bad recipe, Error for missing or changed files, or Cancelled.
RenderedFigure renderRecipe(const QJsonObject& recipe, const QString& output,
                            const QString& baseDir = {}, const JobControl& job = {},
                            bool checkHash = true, const QString& where = {});

// Reads a recipe file (at most kMaxJsonBytes, regular files only) and validates every field;
// throws DataError naming the file and the problem.
QJsonObject readRecipe(const QString& path);

}  // namespace strata
