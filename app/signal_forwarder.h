#pragma once
// SIGTERM (a logout, `kill`) and SIGINT (Ctrl+C) end Strata as File > Quit does, so the
// session is saved and the autosave removed instead of the next start taking the run for a
// crash. A signal handler may call no Qt function: it only writes the signal's number to a
// pipe, and a QSocketNotifier reads it on the GUI thread and emits `received`.

#include <QObject>

#include <csignal>
#include <initializer_list>
#include <vector>

class QSocketNotifier;

namespace strata {

class SignalForwarder : public QObject {
  Q_OBJECT

 public:
  // Catches these signals (those the parent process set to be ignored stay ignored). Only one
  // forwarder may exist at a time.
  explicit SignalForwarder(std::initializer_list<int> caught, QObject* parent = nullptr);
  ~SignalForwarder() override;  // restores the previous handlers

 Q_SIGNALS:
  void received(int signalNumber);

 private:
  void drain();

  QSocketNotifier* notifier_ = nullptr;
  std::vector<std::pair<int, struct sigaction>> previous_;
};

}  // namespace strata
