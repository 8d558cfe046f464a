#pragma once
// The fields of a figure recipe with their types and limits: one table that the recipe reader
// and the command-line options both check against, so a value the command line refuses is
// refused in a recipe too, and the other way round. Every saved name has one entry per figure
// kind; docs/recipes.md lists them. Choices come from the name tables (figure_names.h,
// core/analysis/projection_names.h, traversal_names.h), and the typed structs that read and
// write recipes (recipe_params.h) check against this table. Qt Core only (no LibTorch), so the
// reader can be fuzzed.

#include <QJsonObject>
#include <QJsonValue>
#include <QString>
#include <QStringList>

#include <vector>

namespace strata {

constexpr int kRecipeVersion = 1;

// The figure kinds: "traversal", "hierarchy", "comparison", "projection".
QStringList recipeFigures();

enum class FieldKind {
  Integer,      // a JSON number without a fraction, in [low, high]
  Number,       // a finite JSON number in [low, high]
  Flag,         // true or false
  Text,         // a string of low..high characters (and `rule`, if given)
  Choice,       // one of `choices`
  IntegerList,  // minCount..maxCount integers, each in [low, high]
  NumberList,   // minCount..maxCount numbers, each in [low, high]
  TextList,     // minCount..maxCount strings, each of low..high characters
  Object,       // an object whose members are fields "key.member"
  ObjectList,   // minCount..maxCount objects whose members are fields "key.member"
};

struct RecipeField {
  QString key;          // "steps", "style.dpi", "models.sha256"
  QStringList figures;  // the figure kinds that use it; empty: every kind
  FieldKind kind = FieldKind::Text;
  double low = 0, high = 0;
  int minCount = 0, maxCount = 0;
  QStringList choices;
  // A further rule for texts, and what it asks for as the end of "must be ..." ("64 lowercase
  // hexadecimal digits").
  bool (*rule)(const QString& text) = nullptr;
  QString ruleText;
};

// Every field of every figure kind.
const std::vector<RecipeField>& recipeFields();

// The field `key` of figure kind `figure`. The table is fixed, so asking for a field it lacks
// is a programming error (std::logic_error).
const RecipeField& recipeField(const QString& figure, const QString& key);

// What a valid value is, as the end of "must be ...": "an integer from 2 to 64".
QString describeField(const RecipeField& field);

// The problem with `value` for `field` ("must be an integer from 2 to 64, got 0"), or an empty
// string if it is valid. Members of objects are not looked at here.
QString fieldProblem(const RecipeField& field, const QJsonValue& value);

// Checks every field of a recipe against the table, members of objects included; unknown
// fields are refused. Throws DataError(where, "field `perplexity` must be a number from 2 to
// 200, got 0"). `where` is the recipe's file, or "recipe" for one built in memory.
void validateRecipe(const QJsonObject& recipe, const QString& where);

// True for a file name without folders: not empty, no '/' or '\\', not "." or "..", no control
// characters, at most 255 bytes. Recipes may only name outputs like that.
bool isPlainFileName(const QString& name);

}  // namespace strata
