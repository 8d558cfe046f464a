#pragma once
// The saved names of traversal ranges and of what happens to the lower layers (RangeMode and
// Propagation, core/model/traversal.h), shared by recipes, the command line and its help.

#include <QString>
#include <QStringList>

#include <optional>

#include "core/analysis/named_values.h"
#include "core/model/traversal.h"

namespace strata {

inline constexpr NamedValue<RangeMode> kRangeModeNames[] = {
    {RangeMode::PriorSigma, "prior-sigma", "prior mean \u00b1 k prior \u03c3"},
    {RangeMode::PosteriorSpread, "posterior-spread", "posterior mean \u00b1 k posterior \u03c3"},
    {RangeMode::DataQuantiles, "data-quantiles", "the data's 1\u201399 % quantiles"},
    {RangeMode::DataMinMax, "data-minmax", "the data's minimum to maximum"},
};

inline QString rangeModeName(RangeMode mode) {
  return toName(kRangeModeNames, mode);
}
inline std::optional<RangeMode> rangeModeFromName(const QString& name) {
  return fromName(kRangeModeNames, name);
}
inline QStringList rangeModeNames() {
  return namesList(kRangeModeNames);
}

inline constexpr NamedValue<Propagation> kPropagationNames[] = {
    {Propagation::KeepLower, "keep", "lower layers kept"},
    {Propagation::Regenerate, "regenerate", "lower layers regenerated from their prior"},
};

inline QString propagationName(Propagation propagation) {
  return toName(kPropagationNames, propagation);
}
inline std::optional<Propagation> propagationFromName(const QString& name) {
  return fromName(kPropagationNames, name);
}
inline QStringList propagationNames() {
  return namesList(kPropagationNames);
}

}  // namespace strata
