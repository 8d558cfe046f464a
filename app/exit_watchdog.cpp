#include "app/exit_watchdog.h"

#include <cstdio>
#include <cstdlib>

namespace strata {

void ExitWatchdog::arm(int exitStatus, std::chrono::milliseconds grace) {
  thread_ = std::thread([this, exitStatus, grace] {
    std::unique_lock<std::mutex> lock(mutex_);
    if (finished_.wait_for(lock, grace, [this] { return done_; })) return;
    std::fputs("strata: a model computation is still running; exiting without waiting for it\n",
               stderr);
    std::fflush(nullptr);
    // No destructors and no atexit handlers: they would wait for the same worker. Everything
    // that must survive the process was written before the event loop returned.
    std::_Exit(exitStatus);
  });
}

ExitWatchdog::~ExitWatchdog() {
  {
    const std::lock_guard<std::mutex> lock(mutex_);
    done_ = true;
  }
  finished_.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace strata
