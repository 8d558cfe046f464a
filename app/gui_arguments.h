#pragma once
// The window's command line before QApplication sees it. Qt's GUI start-up takes
// `-session ID` and `--session ID` for X11 session management and removes both words from
// argv, so `strata --session FILE.json` would silently lose the file: it is rewritten here
// as `--session=FILE.json`, which Qt leaves alone. Qt's own single-dash `-session` is kept for
// the session manager.

#include <QCommandLineOption>
#include <QCommandLineParser>

#include <string>
#include <vector>

namespace strata {

// The window's options and its dataset argument: one definition for the window's parser and
// for `strata --help` (which runs without a window and prints them).
struct GuiOptions {
  GuiOptions();
  // Adds every option and the dataset argument to `parser`.
  void addTo(QCommandLineParser& parser) const;

  QCommandLineOption model;
  QCommandLineOption view;  // a name of app/view_names.h
  QCommandLineOption compare;
  QCommandLineOption session;
  QCommandLineOption noRestore;
};

class GuiArguments {
 public:
  GuiArguments(int argc, char** argv);
  GuiArguments(const GuiArguments&) = delete;
  GuiArguments& operator=(const GuiArguments&) = delete;

  // For QApplication, which keeps both: this object must outlive it.
  int& argc() { return argc_; }
  char** argv() { return pointers_.data(); }

 private:
  std::vector<std::string> words_;
  std::vector<char*> pointers_;  // into words_, then a null, as main's argv
  int argc_ = 0;
};

}  // namespace strata
