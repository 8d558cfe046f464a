// IDX bytes, raw or gzip (told apart by the content): header, size checks, inflating, then
// images or labels as a dataset.

#include "core/data/idx_reader.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace strata;
  fuzz::expectDataErrorOnly(data, size, [&] {
    IdxArray array = parseIdx(data, size, "fuzz.idx");
    if (array.dims.size() == 1) {
      // Labels for as many 1-pixel images; the data already hold one byte per label.
      auto images = std::make_shared<ArrayDataset>("fuzz", ItemShape{1, 1, 1}, array.data);
      setIdxLabels(*images, array, "fuzz.idx", {"a", "b", "c"});
      setIdxLabels(*images, array, "fuzz.idx", {});
    } else {
      idxImageDataset(std::move(array), "fuzz.idx", "fuzz");
    }
  });
  return 0;
}
