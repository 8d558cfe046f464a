#include "core/data/guarded_copy.h"

#include <atomic>
#include <csetjmp>
#include <csignal>
#include <cstring>
#include <mutex>

namespace strata {
namespace {

// The copy in progress on this thread, if any. A fault is delivered to the thread that caused
// it, so the handler finds its way back through this thread's own pointer. Volatile, with
// signal fences around the copy, so the compiler neither drops nor moves the stores.
thread_local sigjmp_buf* volatile activeCopy = nullptr;
struct sigaction previousAction {};

void onBusError(int signal, siginfo_t* info, void* context) {
  if (sigjmp_buf* jump = activeCopy) {
    activeCopy = nullptr;
    siglongjmp(*jump, 1);
  }
  // Not a guarded copy's fault: the handler there before takes it.
  if ((previousAction.sa_flags & SA_SIGINFO) && previousAction.sa_sigaction) {
    previousAction.sa_sigaction(signal, info, context);
    return;
  }
  if (previousAction.sa_handler != SIG_DFL && previousAction.sa_handler != SIG_IGN) {
    previousAction.sa_handler(signal);
    return;
  }
  // The default action: restore it and raise again, so the process stops as it would have.
  sigaction(SIGBUS, &previousAction, nullptr);
  raise(signal);
}

void installHandler() {
  static std::once_flag once;
  std::call_once(once, [] {
    struct sigaction action {};
    action.sa_sigaction = onBusError;
    action.sa_flags = SA_SIGINFO;
    sigemptyset(&action.sa_mask);
    sigaction(SIGBUS, &action, &previousAction);
  });
}

}  // namespace

bool copyFromMapping(void* out, const void* mapped, size_t n) {
  if (n == 0) return true;
  installHandler();
  sigjmp_buf jump;
  // sigsetjmp(..., 1) keeps the signal mask, so siglongjmp unblocks SIGBUS again.
  if (sigsetjmp(jump, 1) != 0) return false;
  activeCopy = &jump;
  std::atomic_signal_fence(std::memory_order_seq_cst);
  std::memcpy(out, mapped, n);
  std::atomic_signal_fence(std::memory_order_seq_cst);
  activeCopy = nullptr;
  return true;
}

}  // namespace strata
