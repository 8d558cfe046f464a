#pragma once
// Why LibTorch could not open a model file, in one sentence a user can act on: a file from a
// newer PyTorch than this Strata's LibTorch reads, a torch.export program (which LibTorch 1.13
// cannot run), or not a TorchScript file at all.

#include <QString>

#include <string>

namespace strata {

// `error` is the exception text torch::jit::load gave for `path`; `runtime` names this Strata's
// LibTorch ("1.13"). Reads at most the last megabyte of the file, where a ZIP archive lists
// its members.
QString describeLoadFailure(const QString& path, const std::string& error, const QString& runtime);

}  // namespace strata
