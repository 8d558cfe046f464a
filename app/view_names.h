#pragma once
// The window's views in tab order, by the names --view and session files use: one table for
// the option, its help, the session reader and writer, and the tab a name selects.

#include <QString>
#include <QStringList>

#include <iterator>
#include <optional>

#include "core/analysis/named_values.h"

namespace strata {

enum class View { Map, Reconstructions, Traverse, Hierarchy, Compare };

inline constexpr NamedValue<View> kViewNames[] = {
    {View::Map, "map", "the map"},
    {View::Reconstructions, "reconstructions", "reconstructions and samples"},
    {View::Traverse, "traverse", "traversals"},
    {View::Hierarchy, "hierarchy", "the hierarchy view"},
    {View::Compare, "compare", "the compare view"},
};

// "map", "traverse", ...
inline QString viewName(View view) {
  return toName(kViewNames, view);
}
// Any letter case, as --view and hand-edited sessions may write it.
inline std::optional<View> viewFromName(const QString& name) {
  return fromName(kViewNames, name, NameMatch::Lenient);
}
// The tab of a view, and the view of a tab (the table is in tab order).
inline int viewTab(View view) {
  for (int tab = 0; tab < int(std::size(kViewNames)); ++tab)
    if (kViewNames[tab].value == view) return tab;
  return -1;
}
inline std::optional<View> viewOfTab(int tab) {
  if (tab < 0 || tab >= int(std::size(kViewNames))) return std::nullopt;
  return kViewNames[tab].value;
}

// Every view name, in tab order.
inline const QStringList& viewNames() {
  static const QStringList names = namesList(kViewNames);
  return names;
}

}  // namespace strata
