#pragma once
// The window's views in tab order, by the names --view and session files use.

#include <QStringList>

namespace strata {

inline const QStringList& viewNames() {
  static const QStringList names = {QStringLiteral("map"), QStringLiteral("reconstructions"),
                                    QStringLiteral("traverse"), QStringLiteral("hierarchy"),
                                    QStringLiteral("compare")};
  return names;
}

}  // namespace strata
