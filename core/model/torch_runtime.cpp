#include "core/model/torch_runtime.h"

#include <ATen/Parallel.h>
#include <torch/version.h>

namespace strata {

void configureTorch(const TorchThreads& threads) {
  at::set_num_threads(threads.intraOp);
}

QString torchVersion() {
  return QStringLiteral("%1.%2.%3")
      .arg(TORCH_VERSION_MAJOR)
      .arg(TORCH_VERSION_MINOR)
      .arg(TORCH_VERSION_PATCH);
}

}  // namespace strata
