#pragma once
// A new model file is first opened by a child process, so that a file that crashes LibTorch
// itself (a damaged archive segfaults inside torch::jit::load or the first call, in Python
// too) takes down the child, not the window or the command. Files that passed are remembered
// by the SHA-256 of their content, so each file is vetted once.

#include <QString>

namespace strata {

// The executable whose `validate` subcommand vets files (Strata itself). Unset (the default,
// e.g. in unit tests): files are opened in this process without vetting.
void setModelVettingExecutable(const QString& executable);
QString modelVettingExecutable();

// The path of the running executable, for setModelVettingExecutable.
QString currentExecutablePath();

// True if this process is itself a vetting child (it must then open the file in-process).
bool isVettingChild();

// Opens `path` in a child process. Returns an empty string if the child survived (whatever
// it found: the in-process validation reports violations), otherwise one sentence saying
// how it failed ("LibTorch crashed while opening the file (segmentation fault)").
QString vetModelFile(const QString& path);

}  // namespace strata
