#pragma once
// What long computations in core take so callers can follow and stop them.

#include <atomic>
#include <functional>
#include <memory>

#include "core/base/errors.h"

namespace strata {

class CancelToken {
 public:
  CancelToken() : flag_(std::make_shared<std::atomic<bool>>(false)) {}
  void cancel() const { flag_->store(true, std::memory_order_relaxed); }
  bool isCancelled() const { return flag_->load(std::memory_order_relaxed); }
  void throwIfCancelled() const {
    if (isCancelled()) throw Cancelled();
  }

 private:
  std::shared_ptr<std::atomic<bool>> flag_;
};

// Progress as a fraction in [0, 1]. May be called from any thread.
using ProgressFn = std::function<void(double)>;

struct JobControl {
  CancelToken cancel;
  ProgressFn progress;

  void report(double fraction) const {
    if (progress) progress(fraction);
  }
  // The same job reporting into [from, to] of this one's progress (one phase of several).
  JobControl range(double from, double to) const {
    return {cancel, [self = *this, from, to](double f) { self.report(from + (to - from) * f); }};
  }
};

}  // namespace strata
