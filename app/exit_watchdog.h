#pragma once
// Bounds how long the process takes to end once the window has closed. By then the session is
// saved, the settings are written and the autosave and its lock are gone; what is left is
// destroying objects, which waits for worker threads. A worker inside a model call cannot be
// interrupted (LibTorch has no cancellation), so a slow model could keep a closed Strata alive
// for minutes, still running and using a core. If the teardown has not finished after the
// grace period, the process ends at once with the window's exit status.

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace strata {

class ExitWatchdog {
 public:
  ExitWatchdog() = default;
  ExitWatchdog(const ExitWatchdog&) = delete;
  ExitWatchdog& operator=(const ExitWatchdog&) = delete;
  // The teardown finished in time: the watchdog stands down.
  ~ExitWatchdog();

  // Starts the countdown; call once, when the event loop has returned.
  void arm(int exitStatus, std::chrono::milliseconds grace);

 private:
  std::mutex mutex_;
  std::condition_variable finished_;
  bool done_ = false;
  std::thread thread_;
};

}  // namespace strata
