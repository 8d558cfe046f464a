// Embedding files: .npz bytes read as vectors or coordinates with optional labels and images,
// and the same bytes as a bare .npy of vectors, parsed in memory and opened (mapped) as a file.

#include <QFile>
#include <QTemporaryDir>

#include "core/analysis/embedding_file.h"
#include "core/data/npy.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace strata;
  fuzz::expectDataErrorOnly(
      data, size, [&] { embeddingFromArrays(parseNpz(data, size, "fuzz.npz"), "fuzz.npz"); });
  fuzz::expectDataErrorOnly(data, size, [&] {
    std::map<std::string, NpyArray> arrays;
    arrays["embedding"] = parseNpy(data, size, "fuzz.npy");
    embeddingFromArrays(std::move(arrays), "fuzz.npy");
  });
  static QTemporaryDir dir;
  const QString path = dir.filePath("fuzz.npy");
  {
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate)) std::abort();
    file.write(reinterpret_cast<const char*>(data), qint64(size));
  }
  fuzz::expectDataErrorOnly(data, size, [&] { loadEmbeddingFile(path); });
  return 0;
}
