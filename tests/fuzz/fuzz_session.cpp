// A session file's JSON: parseSession must turn every wrong type or unknown value into a named
// problem with a default, refuse a file that is no session with a DataError, and never crash.

#include <QJsonDocument>
#include <QJsonObject>
#include <QString>
#include <QStringList>

#include "app/session_format.h"
#include "core/base/errors.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace strata;
  const QByteArray bytes(reinterpret_cast<const char*>(data), qsizetype(size));
  const QJsonObject json = QJsonDocument::fromJson(bytes).object();
  QStringList problems;
  try {
    const Session session = parseSession(json, QStringLiteral("fuzz.json"), &problems);
    // What was read must be writable again and read back without new problems.
    QStringList again;
    parseSession(sessionToJson(session), QStringLiteral("fuzz.json"), &again);
    if (!again.isEmpty()) __builtin_trap();
  } catch (const DataError&) {
    // not a Strata session at all: refused with a sentence
  }
  return 0;
}
