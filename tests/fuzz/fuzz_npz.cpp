// .npz bytes: zip headers (ZIP64 included), stored and deflated members, CRC checks, then the
// dataset built from the arrays (images, labels, factors).

#include "core/data/array_readers.h"
#include "core/data/npy.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace strata;
  fuzz::expectDataErrorOnly(
      data, size, [&] { datasetFromArrays(parseNpz(data, size, "fuzz.npz"), "fuzz.npz"); });
  return 0;
}
