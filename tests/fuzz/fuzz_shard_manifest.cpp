// Shard folders: the input is a manifest.json beside two small shards (part-00000.npy with
// labels, part-00001.npy without), read as one embedding.

#include <QDir>
#include <QFile>
#include <QTemporaryDir>

#include "core/analysis/shard_folder.h"
#include "core/data/npy.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

void write(const QString& path, const QByteArray& bytes) {
  QFile f(path);
  if (f.open(QIODevice::WriteOnly)) f.write(bytes);
}

QByteArray npyBytes(const strata::NpyArray& array) {
  const std::vector<uint8_t> bytes = strata::serializeNpy(array);
  return QByteArray(reinterpret_cast<const char*>(bytes.data()), qsizetype(bytes.size()));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace strata;
  static QTemporaryDir folder;
  static const bool ready = [] {
    write(folder.filePath("part-00000.npy"),
          npyBytes(makeNpy(std::vector<float>(6, 1.0f), {3, 2})));
    write(folder.filePath("labels-00000.npy"),
          npyBytes(makeNpy(std::vector<int64_t>{0, 1, 2}, {3})));
    write(folder.filePath("part-00001.npy"),
          npyBytes(makeNpy(std::vector<float>(4, 2.0f), {2, 2})));
    return true;
  }();
  (void)ready;
  write(folder.filePath("manifest.json"),
        QByteArray(reinterpret_cast<const char*>(data), qsizetype(size)));
  fuzz::expectDataErrorOnly(data, size, [&] { loadShardFolder(folder.path()); });
  return 0;
}
