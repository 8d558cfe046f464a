#pragma once
// One field of a CSV file (RFC 4180): quoted, with quotes doubled, when it holds a comma, a
// quote or a line break, so any CSV reader splits the line where it was written.

#include <QString>

namespace strata {

inline QString csvField(QString text) {
  if (!text.contains(QLatin1Char(',')) && !text.contains(QLatin1Char('"')) &&
      !text.contains(QLatin1Char('\n')) && !text.contains(QLatin1Char('\r')))
    return text;
  text.replace(QLatin1String("\""), QLatin1String("\"\""));
  return QLatin1Char('"') + text + QLatin1Char('"');
}

}  // namespace strata
