#include "app/signal_forwarder.h"

#include <QSocketNotifier>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

namespace strata {
namespace {

int pipeEnds[2] = {-1, -1};  // read, write

extern "C" void forwardSignal(int signalNumber) {
  // Only async-signal-safe calls here; errno belongs to the interrupted code.
  const int savedErrno = errno;
  const unsigned char byte = static_cast<unsigned char>(signalNumber);
  [[maybe_unused]] const ssize_t written = ::write(pipeEnds[1], &byte, 1);
  errno = savedErrno;
}

}  // namespace

SignalForwarder::SignalForwarder(std::initializer_list<int> caught, QObject* parent)
    : QObject(parent) {
  if (pipeEnds[0] >= 0 || ::pipe2(pipeEnds, O_CLOEXEC | O_NONBLOCK) != 0)
    return;  // without a pipe the signals keep their default action
  notifier_ = new QSocketNotifier(pipeEnds[0], QSocketNotifier::Read, this);
  connect(notifier_, &QSocketNotifier::activated, this, &SignalForwarder::drain);
  struct sigaction action = {};
  action.sa_handler = forwardSignal;
  sigemptyset(&action.sa_mask);
  // SA_RESETHAND: a second signal while the window closes ends the process at once, as it
  // would without this handler.
  action.sa_flags = SA_RESTART | SA_RESETHAND;
  for (int signalNumber : caught) {
    struct sigaction old = {};
    if (::sigaction(signalNumber, nullptr, &old) != 0 || old.sa_handler == SIG_IGN) continue;
    if (::sigaction(signalNumber, &action, &old) == 0) previous_.emplace_back(signalNumber, old);
  }
}

SignalForwarder::~SignalForwarder() {
  for (const auto& [signalNumber, old] : previous_) ::sigaction(signalNumber, &old, nullptr);
  if (!notifier_) return;
  delete notifier_;
  ::close(pipeEnds[0]);
  ::close(pipeEnds[1]);
  pipeEnds[0] = pipeEnds[1] = -1;
}

void SignalForwarder::drain() {
  unsigned char byte = 0;
  while (::read(pipeEnds[0], &byte, 1) == 1) Q_EMIT received(int(byte));
}

}  // namespace strata
