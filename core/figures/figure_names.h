#pragma once
// The saved names of figure kinds, hierarchy pages and map colourings, shared by the recipe
// table, the recipe structs (recipe_params.h), the command line and its help. Header-only, Qt
// Core only, so the fuzzed recipe reader uses it as the renderer does.

#include <QString>
#include <QStringList>

#include <optional>

#include "core/analysis/named_values.h"

namespace strata {

enum class FigureKind {
  Traversal,
  Hierarchy,
  Comparison,
  Projection,
  Unit,
  Correlations,
  Analogy,
  Collapse
};

inline constexpr NamedValue<FigureKind> kFigureKindNames[] = {
    {FigureKind::Traversal, "traversal", "traversal grid or animation"},
    {FigureKind::Hierarchy, "hierarchy", "a page of the hierarchy view"},
    {FigureKind::Comparison, "comparison", "models side by side"},
    {FigureKind::Projection, "projection", "scatter plot of a map"},
    {FigureKind::Unit, "unit", "one latent unit, as the unit inspector shows it"},
    {FigureKind::Correlations, "correlations", "correlations of mean and sampled codes"},
    {FigureKind::Analogy, "analogy", "items decoded under every class of a conditional model"},
    {FigureKind::Collapse, "collapse", "KL per unit beside Dang et al.'s linear-theory prediction"},
};

inline QString figureKindName(FigureKind kind) {
  return toName(kFigureKindNames, kind);
}
inline std::optional<FigureKind> figureKindFromName(const QString& name) {
  return fromName(kFigureKindNames, name);
}

// The pages of the hierarchy view, in tab order, as hierarchy recipes name them.
enum class HierarchyPage { Resampling, Temperature, Mixing, Kl };

inline constexpr NamedValue<HierarchyPage> kHierarchyPageNames[] = {
    {HierarchyPage::Resampling, "resampling", "layer-wise resampling"},
    {HierarchyPage::Temperature, "temperature", "temperature per layer"},
    {HierarchyPage::Mixing, "mixing", "layer mixing"},
    {HierarchyPage::Kl, "kl", "KL per unit"},
};

inline QString hierarchyPageName(HierarchyPage page) {
  return toName(kHierarchyPageNames, page);
}
inline std::optional<HierarchyPage> hierarchyPageFromName(const QString& name) {
  return fromName(kHierarchyPageNames, name);
}
inline QStringList hierarchyPageNames() {
  return namesList(kHierarchyPageNames);
}

// What colours the points of a projection: "class", "kl", "reconstruction", "none",
// "predicted-class" and "class-entropy" (of a conditional model's q(y|x)), "factor:NAME" (a
// ground-truth factor of the dataset) or "unit:N" (column N of the encoded latents).
struct Colouring {
  enum Kind { Class, Kl, Reconstruction, None, Factor, Unit, PredictedClass, ClassEntropy };
  Kind kind = Class;
  QString factor;  // Factor
  int unit = 0;    // Unit

  friend bool operator==(const Colouring& a, const Colouring& b) {
    return a.kind == b.kind && (a.kind != Factor || a.factor == b.factor) &&
           (a.kind != Unit || a.unit == b.unit);
  }
  friend bool operator!=(const Colouring& a, const Colouring& b) { return !(a == b); }
};

// The colourings without a parameter; factor:NAME and unit:N follow them.
inline constexpr NamedValue<Colouring::Kind> kColouringNames[] = {
    {Colouring::Class, "class", "class"},
    {Colouring::Kl, "kl", "KL per item"},
    {Colouring::Reconstruction, "reconstruction", "reconstruction error"},
    {Colouring::None, "none", "no colour"},
    {Colouring::PredictedClass, "predicted-class", "the class q(y|x) predicts"},
    {Colouring::ClassEntropy, "class-entropy", "entropy of q(y|x)"},
};
inline constexpr char kFactorColouringPrefix[] = "factor:";
inline constexpr char kUnitColouringPrefix[] = "unit:";
constexpr int kMaxUnitColouringDigits = 7;

inline Colouring factorColouring(const QString& factor) {
  return {Colouring::Factor, factor, 0};
}
inline Colouring unitColouring(int unit) {
  return {Colouring::Unit, {}, unit};
}

// "class", "factor:pos_x", "unit:3".
inline QString colouringName(const Colouring& colouring) {
  switch (colouring.kind) {
    case Colouring::Factor:
      return QLatin1String(kFactorColouringPrefix) + colouring.factor;
    case Colouring::Unit:
      return QLatin1String(kUnitColouringPrefix) + QString::number(colouring.unit);
    default:
      return toName(kColouringNames, colouring.kind);
  }
}

// The colouring a name stands for; factor names must not be empty, units are 1 to 7 digits.
inline std::optional<Colouring> colouringFromName(const QString& name) {
  if (const auto plain = fromName(kColouringNames, name)) return Colouring{*plain, {}, 0};
  const QLatin1String factor(kFactorColouringPrefix), unit(kUnitColouringPrefix);
  if (name.startsWith(factor)) {
    if (name.size() == factor.size()) return std::nullopt;
    return factorColouring(name.mid(factor.size()));
  }
  if (!name.startsWith(unit)) return std::nullopt;
  const QString digits = name.mid(unit.size());
  bool ok = !digits.isEmpty() && digits.size() <= kMaxUnitColouringDigits;
  for (const QChar c : digits) ok = ok && c >= '0' && c <= '9';
  if (!ok) return std::nullopt;
  return unitColouring(digits.toInt());
}

// "class, kl, reconstruction, none, factor:NAME or unit:N".
inline QString colouringNamesText() {
  QStringList names = namesList(kColouringNames);
  names << QLatin1String(kFactorColouringPrefix) + QStringLiteral("NAME")
        << QLatin1String(kUnitColouringPrefix) + QStringLiteral("N");
  return joinedAlternatives(names);
}

}  // namespace strata
