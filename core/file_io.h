#pragma once
// Small file helpers shared by recipes, sessions, metric tables and figures.

#include <QByteArray>
#include <QJsonObject>
#include <QString>

namespace strata {

// Writes through QSaveFile, so a crash or kill mid-write leaves the previous file intact;
// creates the folder. Throws Error "PATH: cannot write the WHAT".
void writeFileAtomically(const QString& path, const QByteArray& bytes, const QString& what);

// The JSON object in a file; throws DataError ("cannot be read", "not JSON: ...").
QJsonObject readJsonObject(const QString& path);

}  // namespace strata
