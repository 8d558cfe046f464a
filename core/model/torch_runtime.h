#pragma once
// Process-wide LibTorch settings. Torch stays behind this header.

#include <QString>

namespace strata {

struct TorchThreads {
  int intraOp = 1;  // measured: 1 is fastest for single decodes on two shared cores
};

void configureTorch(const TorchThreads& threads);
QString torchVersion();

}  // namespace strata
