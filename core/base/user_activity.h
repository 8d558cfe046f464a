#pragma once
// When the user last did something (a key, a click, a drag, a wheel step). Background work
// that would compete with the window for the machine's cores, such as a second encoding
// lane, runs only while the user has been idle for a moment. The application records
// activity from an event filter; nothing records it in a command-line run, which is
// therefore always idle.

#include <cstdint>

namespace strata {

void noteUserActivity();
// Milliseconds since the last noted activity; a large number when there was none.
int64_t millisecondsSinceUserActivity();
// True when no activity was noted in the last `quietMilliseconds`.
bool userIsIdle(int64_t quietMilliseconds = 1500);

}  // namespace strata
