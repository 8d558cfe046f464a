#pragma once
// The one staleness rule of Strata's asynchronous work: every request gets a generation, a newer
// request (or a cancel) starts a new one, and a result is wanted only while its generation is still
// the current one. JobRunner (one-shot jobs), InferenceWorker (one guard per request channel) and
// views whose results describe a state that can change (the models or dataset shown) all use it,
// so "is this result still wanted?" is answered in one place.
//
// Not a QObject: it only counts. Safe to use from any thread; callbacks wrapped by whileCurrent()
// must run on the thread that owns what they touch (JobRunner and InferenceWorker deliver on
// the owner's thread).

#include <atomic>
#include <cstdint>
#include <utility>

namespace strata {

class GenerationGuard {
 public:
  using Generation = std::uint64_t;

  GenerationGuard() = default;
  GenerationGuard(const GenerationGuard&) = delete;
  GenerationGuard& operator=(const GenerationGuard&) = delete;

  // Starts a new generation and returns it; every earlier generation is stale from now on.
  Generation next() { return current_.fetch_add(1, std::memory_order_acq_rel) + 1; }
  // The generation results are wanted for now (0 before the first next()).
  Generation current() const { return current_.load(std::memory_order_acquire); }
  bool isCurrent(Generation generation) const { return generation == current(); }

  // Wraps `f` so that it runs only while the generation current at this call is still current:
  // for callbacks whose result describes what the owner showed when the request was made.
  // The guard must outlive the returned callable (make both members of the same object).
  template <class F>
  auto whileCurrent(F f) const {
    return [this, generation = current(), f = std::move(f)](auto&&... args) {
      if (isCurrent(generation)) f(std::forward<decltype(args)>(args)...);
    };
  }

 private:
  std::atomic<Generation> current_{0};
};

}  // namespace strata
