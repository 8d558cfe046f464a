// One image file of an image folder: Qt's decoders behind the size check, then the conversion
// into a dataset item.

#include <QByteArray>

#include "core/data/image_folder.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace strata;
  const QByteArray bytes =
      QByteArray::fromRawData(reinterpret_cast<const char*>(data), qsizetype(size));
  fuzz::expectDataErrorOnly(data, size, [&] {
    const QImage image = decodeImage(bytes, "fuzz.png");
    itemPixels(image, image.isGrayscale() ? 1 : 3);
  });
  return 0;
}
