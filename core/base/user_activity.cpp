#include "core/base/user_activity.h"

#include <atomic>
#include <chrono>
#include <limits>

namespace strata {
namespace {

constexpr int64_t kNever = std::numeric_limits<int64_t>::min() / 2;
std::atomic<int64_t> lastActivity{kNever};

int64_t nowMilliseconds() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

void noteUserActivity() {
  lastActivity.store(nowMilliseconds(), std::memory_order_relaxed);
}

int64_t millisecondsSinceUserActivity() {
  const int64_t last = lastActivity.load(std::memory_order_relaxed);
  return last == kNever ? std::numeric_limits<int64_t>::max() : nowMilliseconds() - last;
}

bool userIsIdle(int64_t quietMilliseconds) {
  return millisecondsSinceUserActivity() >= quietMilliseconds;
}

}  // namespace strata
