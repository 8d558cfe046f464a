// Recipe files: validateRecipe must accept a JSON object or refuse it with a DataError naming
// a field, never throw anything else. Bytes that parse as a JSON object are checked as they
// are; other bytes (most of what the fuzzer makes) are read as a recipe built from the table's
// own field names with values of every JSON type, so the checks behind the names are reached.
// What passes is read into its typed struct and written again (recipe_params.h), and must read
// back unchanged.

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <cstring>

#include "core/figures/recipe_params.h"
#include "core/figures/recipe_schema.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

struct Bytes {
  const uint8_t* data;
  size_t size;
  uint8_t next() {
    if (!size) return 0;
    --size;
    return *data++;
  }
};

QJsonValue valueFrom(Bytes& in, int depth) {
  switch (in.next() % 8) {
    case 0: {
      double v = 0;
      uint8_t raw[sizeof v];
      for (uint8_t& b : raw) b = in.next();
      std::memcpy(&v, raw, sizeof v);
      return v;  // any double: huge, tiny, negative, NaN, infinite
    }
    case 1:
      return double(int8_t(in.next()));
    case 2: {
      QString text;
      for (int n = in.next() % 12; n > 0; --n) text += QChar(in.next());
      return text;
    }
    case 3:
      return bool(in.next() & 1);
    case 4:
      return QJsonValue();
    case 5: {
      QJsonArray list;
      if (depth < 3)
        for (int n = in.next() % 70; n > 0 && in.size; --n) list.append(valueFrom(in, depth + 1));
      return list;
    }
    case 6: {
      QJsonObject object;
      if (depth < 3)
        for (int n = in.next() % 4; n > 0 && in.size; --n) {
          const auto& fields = strata::recipeFields();
          const QString key = fields[in.next() % fields.size()].key;
          object[key.mid(key.lastIndexOf('.') + 1)] = valueFrom(in, depth + 1);
        }
      return object;
    }
    default: {
      // A choice the table knows, or a text rule's typical value.
      static const char* const words[] = {"pca",          "tsne",     "keep",       "kl",
                                          "unit:3",       "factor:x", "figure.png", "../x.png",
                                          "bundled:m.pt", "z[0]"};
      return QString::fromLatin1(words[in.next() % 10]);
    }
  }
}

QJsonObject recipeFrom(Bytes in) {
  const QStringList figures = strata::recipeFigures();
  QJsonObject recipe{{"strata_recipe", 1}, {"figure", figures[in.next() % figures.size()]}};
  const auto& fields = strata::recipeFields();
  while (in.size) {
    const QString key = fields[in.next() % fields.size()].key;
    const qsizetype dot = key.indexOf('.');
    if (dot < 0) {
      recipe[key] = valueFrom(in, 0);
      continue;
    }
    // A member: inside an object, or inside the first object of a list (models).
    const QString parent = key.left(dot), member = key.mid(dot + 1);
    if (parent == QLatin1String("models")) {
      QJsonArray models = recipe[parent].toArray();
      QJsonObject first = models.isEmpty() ? QJsonObject() : models[0].toObject();
      first[member] = valueFrom(in, 0);
      if (models.isEmpty())
        models.append(first);
      else
        models[0] = first;
      recipe[parent] = models;
    } else {
      QJsonObject object = recipe[parent].toObject();
      object[member] = valueFrom(in, 0);
      recipe[parent] = object;
    }
  }
  return recipe;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace strata;
  const QJsonDocument doc = QJsonDocument::fromJson(
      QByteArray::fromRawData(reinterpret_cast<const char*>(data), qsizetype(size)));
  const QJsonObject recipe = doc.isObject() ? doc.object() : recipeFrom({data, size});
  bool valid = false;
  fuzz::expectDataErrorOnly(data, size, [&] {
    validateRecipe(recipe, "fuzz.json");
    valid = true;
  });
  if (!valid) return 0;
  // A valid recipe reads into its struct, which writes a recipe that reads back to the same
  // struct: the writer and the reader agree on every field.
  try {
    const QJsonObject written = figureRecipeToJson(figureRecipeFromJson(recipe, "fuzz.json"));
    if (figureRecipeToJson(figureRecipeFromJson(written, "written.json")) != written)
      __builtin_trap();
  } catch (const DataError&) {
    __builtin_trap();
  }
  return 0;
}
