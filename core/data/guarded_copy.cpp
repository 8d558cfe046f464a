#include "core/data/guarded_copy.h"

#include <atomic>
#include <cerrno>
#include <csetjmp>
#include <csignal>
#include <cstring>
#include <mutex>

namespace strata {
namespace {

// The copy in progress on this thread, if any: where to jump back to and the bytes it reads. A
// fault is delivered to the thread that caused it, so the handler finds its copy through this
// thread's own record. Initial-exec TLS is a fixed offset from the thread pointer, safe to read
// in a handler (no lazy allocation). Volatile, with signal fences around the copy, so the
// compiler neither drops nor moves the stores.
struct ActiveCopy {
  sigjmp_buf* jump;
  const char* begin;
  const char* end;
};
__attribute__((tls_model("initial-exec"))) thread_local const ActiveCopy* volatile activeCopy =
    nullptr;
struct sigaction previousAction {};

void onBusError(int signal, siginfo_t* info, void* context) {
  const ActiveCopy* copy = activeCopy;
  // Ours only if the kernel raised it (not kill) for an address the copy reads.
  const char* address = static_cast<const char*>(info->si_addr);
  if (copy && info->si_code > 0 && address >= copy->begin && address < copy->end) {
    activeCopy = nullptr;
    siglongjmp(*copy->jump, 1);
  }
  // A signal sent by a process, which the application ignored before Strata: still ignored,
  // and the guard stays.
  if (info->si_code <= 0 && !(previousAction.sa_flags & SA_SIGINFO) &&
      previousAction.sa_handler == SIG_IGN)
    return;
  // Not ours: hand SIGBUS back to the handler installed before Strata's, with its own flags.
  // A fault returns and happens again under it; a signal sent by a process is raised again.
  const int savedErrno = errno;
  sigaction(SIGBUS, &previousAction, nullptr);
  if (info->si_code <= 0) raise(signal);
  errno = savedErrno;
  (void)context;
}

void installHandler() {
  static std::once_flag once;
  std::call_once(once, [] {
    // The previous action is saved before ours is live, so a signal in between never finds
    // an empty record.
    sigaction(SIGBUS, nullptr, &previousAction);
    struct sigaction action {};
    action.sa_sigaction = onBusError;
    action.sa_flags = SA_SIGINFO;
    sigemptyset(&action.sa_mask);
    sigaction(SIGBUS, &action, nullptr);
  });
}

}  // namespace

bool copyFromMapping(void* out, const void* mapped, size_t n) {
  if (n == 0) return true;
  installHandler();
  sigjmp_buf jump;
  const ActiveCopy copy{&jump, static_cast<const char*>(mapped),
                        static_cast<const char*>(mapped) + n};
  // sigsetjmp(..., 1) keeps the signal mask, so siglongjmp unblocks SIGBUS again.
  if (sigsetjmp(jump, 1) != 0) return false;
  activeCopy = &copy;
  std::atomic_signal_fence(std::memory_order_seq_cst);
  std::memcpy(out, mapped, n);
  std::atomic_signal_fence(std::memory_order_seq_cst);
  activeCopy = nullptr;
  return true;
}

}  // namespace strata
