// IDX content behind valid gzip framing: the input is compressed here, so mutations reach the
// header checks and the declared-size guard of the gzip path instead of failing zlib's CRC.

#include <zlib.h>

#include <vector>

#include "core/data/idx_reader.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace strata;
  z_stream z{};
  if (deflateInit2(&z, 1, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK) return 0;
  std::vector<uint8_t> gzip(deflateBound(&z, uLong(size)));
  z.next_in = const_cast<Bytef*>(data);
  z.avail_in = uInt(size);
  z.next_out = gzip.data();
  z.avail_out = uInt(gzip.size());
  deflate(&z, Z_FINISH);
  gzip.resize(z.total_out);
  deflateEnd(&z);
  fuzz::expectDataErrorOnly(data, size, [&] {
    IdxArray array = parseIdx(gzip.data(), gzip.size(), "fuzz.idx.gz");
    if (array.dims.size() != 1) idxImageDataset(std::move(array), "fuzz.idx.gz", "fuzz");
  });
  return 0;
}
