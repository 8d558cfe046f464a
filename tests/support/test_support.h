#pragma once
// Shared by every test executable.
//
// runTests() runs a test object as QTest::qExec does, but a qWarning or qCritical fails the
// test: Qt's warnings point at real faults (a bad connection, a widget misused, a painter
// without a device) that would otherwise scroll past in a passing run. A message raised on the
// test's own thread fails the test function that is running, naming the message and where it
// came from; QTest::ignoreMessage() still excuses an expected qWarning. A message raised on a
// worker thread is logged at once and reported again at the end, with the test function that
// was running, and fails the executable. A few known, harmless platform messages are allowed:
// the list, and why each entry is harmless, is in test_support.cpp.
//
// STRATA_REQUIRE_DATA skips a test whose data set is not installed, except under CI (the
// environment variable CI set, as CI services do), where a missing data set is a failure: a
// CI run that skipped the window tests must not pass.

#include <QObject>
#include <QtTest>

namespace strata::test {

int runTests(QObject* test, int argc, char** argv);

// True when a missing data set must fail the test rather than skip it.
bool dataRequired();

}  // namespace strata::test

#define STRATA_REQUIRE_DATA(available, what)                                         \
  do {                                                                               \
    if (!(available)) {                                                              \
      if (strata::test::dataRequired()) QFAIL(what " is not installed (CI is set)"); \
      QSKIP(what " is not installed");                                               \
    }                                                                                \
  } while (false)

// Replacements for QTEST_MAIN and QTEST_GUILESS_MAIN.
#define STRATA_TEST_MAIN(TestClass)                   \
  int main(int argc, char** argv) {                   \
    QApplication app(argc, argv);                     \
    app.setAttribute(Qt::AA_Use96Dpi, true);          \
    TestClass test;                                   \
    QTest::setMainSourcePath(__FILE__);               \
    return strata::test::runTests(&test, argc, argv); \
  }

#define STRATA_TEST_GUILESS_MAIN(TestClass)           \
  int main(int argc, char** argv) {                   \
    QCoreApplication app(argc, argv);                 \
    TestClass test;                                   \
    QTest::setMainSourcePath(__FILE__);               \
    return strata::test::runTests(&test, argc, argv); \
  }
