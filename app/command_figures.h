#pragma once
// Headless figure subcommands: `render RECIPE.json` and `traverse`, `hierarchy`, `project`,
// `compare`, `unit`, `correlations`, `analogy`, `collapse`, which write a recipe from their
// arguments and render it.

#include <QStringList>

namespace strata::cli {

int renderCommand(const QStringList& arguments);
int traverseCommand(const QStringList& arguments);
int hierarchyCommand(const QStringList& arguments);
int projectCommand(const QStringList& arguments);
int compareCommand(const QStringList& arguments);
int unitCommand(const QStringList& arguments);
int correlationsCommand(const QStringList& arguments);
int collapseCommand(const QStringList& arguments);
int analogyCommand(const QStringList& arguments);

}  // namespace strata::cli
