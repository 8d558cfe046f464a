#pragma once
// Small file helpers shared by recipes, sessions, metric tables and figures.

#include <QByteArray>
#include <QJsonObject>
#include <QString>

namespace strata {

// Writes through QSaveFile, so a crash or kill mid-write leaves the previous file intact;
// creates the folder. Throws Error "PATH: cannot write the WHAT".
void writeFileAtomically(const QString& path, const QByteArray& bytes, const QString& what);

// SHA-256 of a file's content as 64 lowercase hex digits, read in blocks; "" if unreadable.
// Names model files in recipes and vetted model files in the cache.
QString fileSha256(const QString& path);

// The largest JSON document (recipe, session, metric table, plan) Strata reads: far above any
// it writes, far below what would hurt. Endless files (/dev/zero, a FIFO) stop here.
constexpr qint64 kMaxJsonBytes = 64LL << 20;

// All bytes of a regular file of at most `maxBytes`; throws DataError naming the file ("is not
// a regular file", "is larger than N MB, the most a WHAT can be", "cannot be read"). Reads at
// most maxBytes + 1 bytes whatever the file claims, so devices and FIFOs cannot exhaust memory.
QByteArray readFileBounded(const QString& path, qint64 maxBytes, const QString& what);

// The JSON object in a file of at most kMaxJsonBytes; throws DataError ("cannot be read",
// "not JSON: ...", "expected a JSON object", too large).
QJsonObject readJsonObject(const QString& path, const QString& what = QStringLiteral("JSON file"));

}  // namespace strata
