// .npy bytes: header parsing, size checks, then the image, label and integer conversions.

#include "core/data/array_readers.h"
#include "core/data/npy.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace strata;
  fuzz::expectDataErrorOnly(data, size, [&] {
    NpyArray array = parseNpy(data, size, "fuzz.npy");
    fuzz::expectDataErrorOnly(data, size, [&] { array.toInt(); });
    fuzz::expectDataErrorOnly(data, size, [&] {
      auto labels = std::make_shared<ArrayDataset>("labels", ItemShape{1, 1, 1},
                                                   std::vector<uint8_t>(size_t(array.count()), 0));
      setArrayLabels(*labels, array, "items");
    });
    datasetFromImageArray(std::move(array), "fuzz.npy", "fuzz");
  });
  return 0;
}
