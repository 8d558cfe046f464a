#pragma once
// Checking refusals: the message of the DataError a reader throws, and a macro that fails the
// test unless that message holds every given part.

#include <QString>
#include <QtTest>

#include "core/base/errors.h"

namespace strata::test {

// The message of the DataError that `read` throws; "NOT REFUSED" if it throws nothing, and
// "LEAKED: ..." if the message leaks a library's words.
template <class F>
QString refusal(F read) {
  try {
    read();
  } catch (const DataError& e) {
    const QString message = QString::fromStdString(e.what());
    for (const char* leak : {"stoll", "stoi", "bad_alloc", "max_size", "basic_string"})
      if (message.contains(leak)) return "LEAKED: " + message;
    return message;
  }
  return QStringLiteral("NOT REFUSED");
}

}  // namespace strata::test

#define QVERIFY_REFUSED(call, ...)                                                 \
  do {                                                                             \
    const QString message_ = strata::test::refusal([&] { (void)(call); });         \
    for (const char* part_ : {__VA_ARGS__})                                        \
      QVERIFY2(message_.contains(QString::fromUtf8(part_)), qPrintable(message_)); \
  } while (false)
