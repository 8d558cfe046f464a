// The .npy index lists of `strata metrics --indices`: one-dimensional, whole, non-negative.

#include <QByteArray>

#include "core/data/index_list.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace strata;
  const QByteArray bytes(reinterpret_cast<const char*>(data), qsizetype(size));
  fuzz::expectDataErrorOnly(data, size, [&] { parseIndexList(bytes, "fuzz.npy"); });
  return 0;
}
