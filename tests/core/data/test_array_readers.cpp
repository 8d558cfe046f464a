// .npy / .npz reading (also files numpy wrote) and image folders, good and broken; every class
// of hostile file (overflowing shapes, zip loops and bombs, CRC errors, devices, bad labels,
// factors and pixels) refused with a message; dataset content fingerprints.

#include <QImage>
#include <QTemporaryDir>
#include <QtTest>

#include <sys/stat.h>
#include <zlib.h>

#include <cmath>

#include "core/analysis/embedding_file.h"
#include "core/base/errors.h"
#include "core/data/array_dataset.h"
#include "core/data/array_readers.h"
#include "core/data/dataset_source.h"
#include "core/data/dsprites.h"
#include "core/data/npy.h"
#include "tests/support/refusal.h"
#include "tests/support/test_support.h"

using namespace strata;

namespace {

// A .npy with any header text.
QByteArray npyBytes(const QByteArray& header, const QByteArray& payload = {}) {
  QByteArray b("\x93NUMPY\x01\x00", 8);
  b.append(char(header.size() & 0xff)).append(char(header.size() >> 8));
  return b + header + payload;
}

QByteArray npyBytes(const NpyArray& array) {
  const std::vector<uint8_t> bytes = serializeNpy(array);
  return QByteArray(reinterpret_cast<const char*>(bytes.data()), qsizetype(bytes.size()));
}

QByteArray rawDeflate(const QByteArray& data) {
  z_stream z{};
  deflateInit2(&z, 9, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
  QByteArray out(qsizetype(deflateBound(&z, uLong(data.size()))), 0);
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.constData()));
  z.avail_in = uInt(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = uInt(out.size());
  deflate(&z, Z_FINISH);
  out.resize(qsizetype(z.total_out));
  deflateEnd(&z);
  return out;
}

void put16(QByteArray& b, uint16_t v) {
  b.append(char(v & 0xff)).append(char(v >> 8));
}
void put32(QByteArray& b, uint32_t v) {
  put16(b, uint16_t(v & 0xffff));
  put16(b, uint16_t(v >> 16));
}
void put64(QByteArray& b, uint64_t v) {
  put32(b, uint32_t(v & 0xffffffffu));
  put32(b, uint32_t(v >> 32));
}

// One zip local header and its data, as numpy writes members; sizes, CRC and ZIP64 can be
// forged. `declared` is the uncompressed size the header claims (default: the real one).
constexpr int64_t kReal = INT64_MIN;
struct Member {
  QByteArray name, content;
  bool deflate = false, zip64 = false;
  int64_t declared = kReal, compressedSize = kReal;
  int64_t crcDelta = 0;
};

QByteArray zipMember(const Member& m) {
  const QByteArray data = m.deflate ? rawDeflate(m.content) : m.content;
  const uint64_t size = m.declared != kReal ? uint64_t(m.declared) : uint64_t(m.content.size());
  const uint64_t compressed =
      m.compressedSize != kReal ? uint64_t(m.compressedSize) : uint64_t(data.size());
  const uint32_t crc = uint32_t(
      crc32(0, reinterpret_cast<const Bytef*>(m.content.constData()), uInt(m.content.size())) +
      uint32_t(m.crcDelta));
  QByteArray b;
  put32(b, 0x04034b50);
  put16(b, m.zip64 ? 45 : 20);
  put16(b, 0);
  put16(b, m.deflate ? 8 : 0);
  put16(b, 0);
  put16(b, 0x21);
  put32(b, crc);
  put32(b, m.zip64 ? 0xffffffffu : uint32_t(compressed));
  put32(b, m.zip64 ? 0xffffffffu : uint32_t(size));
  put16(b, uint16_t(m.name.size()));
  put16(b, m.zip64 ? 20 : 0);
  b.append(m.name);
  if (m.zip64) {
    put16(b, 1);
    put16(b, 16);
    put64(b, size);
    put64(b, compressed);
  }
  return b + data;
}

void writeFile(const QString& path, const QByteArray& bytes) {
  QFile f(path);
  QVERIFY(f.open(QIODevice::WriteOnly));
  f.write(bytes);
}

}  // namespace

class TestArrayReaders : public QObject {
  Q_OBJECT

  QTemporaryDir dir_;

 private Q_SLOTS:
  void roundTripsNpz() {
    std::vector<uint8_t> images(size_t(4) * 3 * 2);
    for (size_t i = 0; i < images.size(); ++i) images[i] = uint8_t(i * 10);
    const QString path = dir_.filePath("a.npz");
    writeNpz(path, {{"imgs", makeNpy(images, {4, 3, 2})},
                    {"labels", makeNpy(std::vector<int64_t>{0, 1, 2, 1}, {4})}});
    auto ds = loadArrayDataset(path);
    QCOMPARE(ds->size(), int64_t(4));
    QVERIFY(ds->itemShape() == (ItemShape{1, 3, 2}));
    QCOMPARE(ds->image(1)[0], 60.0f / 255.0f);
    QCOMPARE(ds->label(2), 2);
  }

  // Empty members (a metrics plan without beta-VAE pairs) are written and read back.
  void roundTripsEmptyMembers() {
    const QString path = dir_.filePath("empty.npz");
    writeNpz(path, {{"pairs", makeNpy(std::vector<int64_t>{}, {0, 64, 2})},
                    {"scalar", makeNpy(std::vector<int64_t>{7}, {})}});
    const auto arrays = readNpz(path);
    QCOMPARE(arrays.at("pairs").shape, (std::vector<int64_t>{0, 64, 2}));
    QCOMPARE(arrays.at("pairs").bytes.size(), size_t(0));
    QCOMPARE(arrays.at("scalar").bytes.size(), sizeof(int64_t));
  }

  // Float images stored in another range say so with pixel_range and are mapped once, on
  // reading; without it they are refused with a message that says how to declare it.
  void mapsADeclaredPixelRange() {
    const QString path = dir_.filePath("signed.npz");
    const std::vector<float> images{-1.0f, 0.0f, 0.5f, 1.0f};
    writeNpz(path, {{"images", makeNpy(images, {2, 1, 2})},
                    {"pixel_range", makeNpy(std::vector<double>{-1.0, 1.0}, {2})}});
    auto ds = loadArrayDataset(path);
    QCOMPARE(ds->image(0)[0], 0.0f);
    QCOMPARE(ds->image(0)[1], 0.5f);
    QCOMPARE(ds->image(1)[0], 0.75f);
    QCOMPARE(ds->image(1)[1], 1.0f);

    writeNpz(path, {{"images", makeNpy(images, {2, 1, 2})}});
    QVERIFY_REFUSED(loadArrayDataset(path), "signed.npz", "must lie in [0, 1]",
                    "pixel_range = [low, high]");
    writeNpz(path, {{"images", makeNpy(images, {2, 1, 2})},
                    {"pixel_range", makeNpy(std::vector<double>{0.0, 1.0}, {2})}});
    QVERIFY_REFUSED(loadArrayDataset(path), "outside the declared pixel_range");
    for (const std::vector<double>& bad :
         {std::vector<double>{1.0, -1.0}, std::vector<double>{0.0, double(INFINITY)},
          std::vector<double>{0.0, 1.0, 2.0}}) {
      writeNpz(path, {{"images", makeNpy(images, {2, 1, 2})},
                      {"pixel_range", makeNpy(bad, {int64_t(bad.size())})}});
      QVERIFY_REFUSED(loadArrayDataset(path), "pixel_range must");
    }
    writeNpz(path, {{"images", makeNpy(std::vector<uint8_t>{0, 9, 200, 255}, {2, 1, 2})},
                    {"pixel_range", makeNpy(std::vector<double>{-1.0, 1.0}, {2})}});
    QVERIFY_REFUSED(loadArrayDataset(path), "not floats");
  }

  // The range can also be named in the dataset spec (command line, sessions, recipes), for a
  // .npy that has nowhere to say it; a spec range that contradicts the file's is refused, and
  // files with integer pixels do not take one.
  void aSpecNamesTheRange() {
    auto writeNpy = [](const QString& path, const NpyArray& array) {
      QFile f(path);
      QVERIFY(f.open(QIODevice::WriteOnly));
      const std::vector<uint8_t> bytes = serializeNpy(array);
      f.write(reinterpret_cast<const char*>(bytes.data()), qint64(bytes.size()));
    };
    const QString npy = dir_.filePath("signed.npy");
    writeNpy(npy, makeNpy(std::vector<float>{-1.0f, 0.0f, 0.5f, 1.0f}, {2, 1, 2}));
    QVERIFY_REFUSED(openDataset(npy), "must lie in [0, 1]", "range=-1,1:FILE");
    auto ds = openDataset("range=-1,1:" + npy);
    QCOMPARE(ds->image(0)[0], 0.0f);
    QCOMPARE(ds->image(1)[0], 0.75f);
    QCOMPARE(describeDatasetSpec("range=-1,1:" + npy),
             QStringLiteral("signed.npy (stored in [-1,1])"));
    for (const QString bad : {"range=1,-1:", "range=-1:", "range=a,1:", "range=0,inf:"})
      QVERIFY_REFUSED(openDataset(bad + npy), "expected range=LOW,HIGH:FILE");

    const QString npz = dir_.filePath("declared.npz");
    writeNpz(npz, {{"images", makeNpy(std::vector<float>{0.0f, 0.5f}, {1, 1, 2})},
                   {"pixel_range", makeNpy(std::vector<double>{0.0, 1.0}, {2})}});
    QVERIFY_REFUSED(openDataset("range=-1,1:" + npz), "declares pixel_range", "range=-1,1");
    QCOMPARE(openDataset("range=0,1:" + npz)->image(0)[1], 0.5f);
    const QString bytes = dir_.filePath("bytes.npy");
    writeNpy(bytes, makeNpy(std::vector<uint8_t>{0, 9, 200, 255}, {2, 1, 2}));
    QVERIFY_REFUSED(openDataset("range=-1,1:" + bytes), "not floats");
  }

  void readsWhatNumpyWrote() {
    // Written by numpy.savez_compressed (deflated members) in tools/.
    const auto arrays = readNpz(STRATA_SOURCE_DIR "/tests/data/dsprites_reference.npz");
    QCOMPARE(arrays.at("indices").shape.size(), size_t(1));
    QCOMPARE(arrays.at("indices").toInt()[0], int64_t(0));
    QCOMPARE(arrays.at("indices").toInt()[7], int64_t(737279));
  }

  void channelsLastIsTransposed() {
    std::vector<float> hwc(12);  // 1 x 2 x 2 x 3: pixel p, channel c holds (3p + c) / 12
    for (int i = 0; i < 12; ++i) hwc[size_t(i)] = float(i) / 12.0f;
    const QString path = dir_.filePath("rgb.npy");
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    const auto bytes = serializeNpy(makeNpy(hwc, {1, 2, 2, 3}));
    f.write(reinterpret_cast<const char*>(bytes.data()), qsizetype(bytes.size()));
    f.close();
    auto ds = loadArrayDataset(path);
    QVERIFY(ds->itemShape() == (ItemShape{3, 2, 2}));
    const std::vector<float> chw = ds->image(0);
    for (int c = 0; c < 3; ++c)
      for (int p = 0; p < 4; ++p) QCOMPARE(chw[size_t(c * 4 + p)], float(3 * p + c) / 12.0f);
  }

  void rejectsBadArrays() {
    const QString nan = dir_.filePath("nan.npz");
    writeNpz(nan, {{"imgs", makeNpy(std::vector<float>{0.f, NAN, 0.f, 0.f}, {1, 2, 2})}});
    QVERIFY_THROWS_EXCEPTION(DataError, loadArrayDataset(nan));
    const QString range = dir_.filePath("range.npz");
    writeNpz(range, {{"imgs", makeNpy(std::vector<float>{0.f, 3.f, 0.f, 0.f}, {1, 2, 2})}});
    QVERIFY_THROWS_EXCEPTION(DataError, loadArrayDataset(range));
    const QString shape = dir_.filePath("shape.npz");
    writeNpz(shape, {{"imgs", makeNpy(std::vector<float>{0.f, 0.f}, {2})}});
    QVERIFY_THROWS_EXCEPTION(DataError, loadArrayDataset(shape));
    const QString labels = dir_.filePath("labels.npz");
    writeNpz(labels, {{"imgs", makeNpy(std::vector<float>(8, 0.f), {2, 2, 2})},
                      {"labels", makeNpy(std::vector<int64_t>{1}, {1})}});
    try {
      loadArrayDataset(labels);
      QFAIL("accepted mismatched labels");
    } catch (const DataError& e) {
      QVERIFY(QString(e.what()).contains("1 labels for 2 images"));
    }
    const QString junk = dir_.filePath("junk.npy");
    QFile f(junk);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write("not numpy at all");
    f.close();
    QVERIFY_THROWS_EXCEPTION(DataError, loadArrayDataset(junk));
    // A .npy cut short.
    const auto good = serializeNpy(makeNpy(std::vector<float>(100, 0.5f), {4, 5, 5}));
    QFile t(dir_.filePath("cut.npy"));
    QVERIFY(t.open(QIODevice::WriteOnly));
    t.write(reinterpret_cast<const char*>(good.data()), qsizetype(good.size() - 40));
    t.close();
    try {
      loadArrayDataset(dir_.filePath("cut.npy"));
      QFAIL("accepted a truncated file");
    } catch (const DataError& e) {
      QVERIFY(QString(e.what()).contains("truncated"));
    }
  }

  // A 128-byte file whose shape multiplies past 2^64 must not wrap into a small allocation.
  void refusesOverflowingShapes() {
    const QString path = dir_.filePath("overflow.npy");
    QByteArray header =
        "{'descr': '<f4', 'fortran_order': False, 'shape': (4611686018427387904, 2, 2, 1), }";
    header.append(QByteArray(117 - header.size(), ' ')).append('\n');
    writeFile(path, npyBytes(header));
    QCOMPARE(QFileInfo(path).size(), qint64(128));
    QVERIFY_REFUSED(readNpy(path), "overflow.npy", "more than 2^64 bytes");
    QVERIFY_REFUSED(loadArrayDataset(path), "overflow.npy");
    // Within 64 bits but beyond the bytes present: refused before anything is allocated.
    writeFile(path, npyBytes("{'descr': '|u1', 'fortran_order': False, 'shape': (100000, 28, "
                             "28), }",
                             "abc"));
    QVERIFY_REFUSED(readNpy(path), "truncated", "78400000 bytes of data but only 3 follow");
    writeFile(path, npyBytes("{'descr': '<f8', 'shape': (1073741825, 1), }"));
    QVERIFY_REFUSED(readNpy(path), "8.0 GB", "more than the 8.0 GB");
  }

  void refusesMalformedHeaders() {
    const QString path = dir_.filePath("header.npy");
    const std::pair<QByteArray, const char*> cases[] = {
        {"{'descr': '<f4', 'shape': (99999999999999999999999, 2), }", "too large"},
        {"{'descr': '<f99', 'shape': (2,), }", "unsupported dtype '<f99'"},
        {"{'descr': '<c8', 'shape': (2,), }", "unsupported dtype '<c8'"},
        {"{'descr': [('a', '<f4')], 'shape': (2,), }", "structured"},
        {"{'descr': '>f4', 'shape': (2,), }", "big-endian"},
        {"{'descr': '<f4', 'shape': (2, x), }", "malformed shape"},
        {"{'descr': '<f4', 'shape': (2, -3), }", "malformed shape"},
        {"{'descr': '<f4', 'shape': (2, 3", "malformed shape"},
        {"{'descr': '<f4', }", "no shape"},
        {"{'shape': (2,), }", "no dtype"},
        {"{'descr': '<f4', 'fortran_order': True, 'shape': (2,), }", "Fortran"},
    };
    for (const auto& [header, problem] : cases) {
      writeFile(path, npyBytes(header, QByteArray(64, 0)));
      QVERIFY_REFUSED(readNpy(path), "header.npy", problem);
    }
    // Version 2 header lengths are 32-bit: a length of 4 GB is refused, not allocated.
    writeFile(path, QByteArray("\x93NUMPY\x02\x00\xff\xff\xff\xff{}", 14));
    QVERIFY_REFUSED(readNpy(path), "claims 4294967295 bytes");
    writeFile(path, QByteArray("\x93NUMPY\x07\x00\x10\x00", 10));
    QVERIFY_REFUSED(readNpy(path), "unsupported .npy version 7");
    writeFile(path, npyBytes("{'descr': '<f4', 'shape': (2,), }", QByteArray(12, 0)));
    QVERIFY_REFUSED(readNpy(path), "sizes disagree", "8 bytes of data but 12 follow");
  }

  // Sizes and offsets a member declares can never send the reader backwards or past the end.
  void refusesZipLoops() {
    const QByteArray npy = npyBytes(makeNpy(std::vector<uint8_t>(4, 1), {1, 2, 2}));
    Member loop{"imgs.npy", npy};
    loop.zip64 = true;
    // dataStart + compressed wraps around to 0, the start of this same member.
    const int64_t dataStart = 30 + 8 + 20;
    loop.compressedSize = int64_t(0) - dataStart;
    const QString path = dir_.filePath("loop.npz");
    writeFile(path, zipMember(loop));
    QVERIFY_REFUSED(readNpz(path), "loop.npz:imgs.npy", "run past the end of the archive");
    Member back{"imgs.npy", npy};
    back.compressedSize = 0;  // the next "member" would be this one's own data
    writeFile(path, zipMember(back) + zipMember(back));
    QVERIFY_REFUSED(readNpz(path), "loop.npz:imgs.npy");
    // A well-formed ZIP64 member (64-bit sizes in the extra field) reads as any other.
    Member big{"imgs.npy", npy};
    big.zip64 = big.deflate = true;
    writeFile(path, zipMember(big));
    QCOMPARE(readNpz(path).at("imgs").count(), int64_t(4));
  }

  void refusesZipBombs() {
    const QString path = dir_.filePath("bomb.npz");
    // The npy header declares 100 bytes, the zip header agrees, the stream holds 16 MB more.
    QByteArray content = npyBytes(makeNpy(std::vector<uint8_t>(100, 1), {100}));
    const qsizetype honest = content.size();
    content.append(QByteArray(16 << 20, 0));
    Member bomb{"imgs.npy", content};
    bomb.deflate = true;
    bomb.declared = honest;
    writeFile(path, zipMember(bomb));
    QVERIFY_REFUSED(readNpz(path), "bomb.npz:imgs.npy", "more than the",
                    "bytes its header declares");
    // The zip header claims 4.5 GB from a few hundred compressed bytes: refused from the sizes.
    Member claim{"imgs.npy", npyBytes(makeNpy(std::vector<uint8_t>(100, 1), {100}))};
    claim.deflate = claim.zip64 = true;
    claim.declared = int64_t(4500) << 20;
    writeFile(path, zipMember(claim));
    QVERIFY_REFUSED(readNpz(path), "more than deflate can produce");
    // The npy header and the zip header disagree: refused before inflating the data.
    Member mismatch{"imgs.npy", npyBytes(makeNpy(std::vector<uint8_t>(100, 1), {100}))};
    mismatch.deflate = true;
    mismatch.declared = mismatch.content.size() + 50;
    writeFile(path, zipMember(mismatch));
    QVERIFY_REFUSED(readNpz(path), "sizes disagree");
  }

  void refusesCorruptMembers() {
    const QString path = dir_.filePath("crc.npz");
    Member m{"imgs.npy", npyBytes(makeNpy(std::vector<uint8_t>(100, 1), {100}))};
    for (bool deflate : {false, true}) {
      m.deflate = deflate;
      m.crcDelta = 1;
      writeFile(path, zipMember(m));
      QVERIFY_REFUSED(readNpz(path), "crc.npz:imgs.npy", "CRC-32");
    }
    m.crcDelta = 0;
    QByteArray cut = zipMember(m);
    writeFile(path, cut.left(cut.size() - 10));
    QVERIFY_REFUSED(readNpz(path), "crc.npz:imgs.npy", "past the end");
    writeFile(path, zipMember(m) + zipMember(m));
    QVERIFY_REFUSED(readNpz(path), "twice");
    // Millions of tiny members would cost far more memory than their bytes.
    QByteArray many;
    for (int i = 0; i <= 4096; ++i)
      many += zipMember({"a" + QByteArray::number(i) + ".npy", m.content});
    writeFile(path, many);
    QVERIFY_REFUSED(readNpz(path), "crc.npz", "more than 4096 arrays");
  }

  void refusesDevicesAndFifos() {
    QVERIFY_REFUSED(readNpy("/dev/zero"), "/dev/zero", "not a regular file");
    QVERIFY_REFUSED(readNpz("/dev/zero"), "not a regular file");
    QVERIFY_REFUSED(loadArrayDataset(dir_.path()), "folder");
    const QString fifo = dir_.filePath("fifo.npz");
    QCOMPARE(mkfifo(QFile::encodeName(fifo).constData(), 0600), 0);
    QVERIFY_REFUSED(loadArrayDataset(fifo), "fifo.npz", "not a regular file");
    QVERIFY_REFUSED(loadEmbeddingFile(fifo), "not a regular file");
    QFile::remove(fifo);
  }

  void refusesBadLabelsAndFactors() {
    const QString path = dir_.filePath("labels.npz");
    const NpyArray images = makeNpy(std::vector<uint8_t>(3 * 4, 1), {3, 2, 2});
    auto withLabels = [&](const NpyArray& labels) {
      writeNpz(path, {{"imgs", images}, {"labels", labels}});
      return path;
    };
    QVERIFY_REFUSED(
        loadArrayDataset(withLabels(makeNpy(std::vector<int64_t>{0, 2000000000, 1}, {3}))),
        "labels.npz:labels.npy", "item 1 has label 2000000000", "10000 classes");
    QVERIFY_REFUSED(loadArrayDataset(withLabels(makeNpy(std::vector<int64_t>{0, 1, -1}, {3}))),
                    "item 2 has label -1");
    // 2^32 + 1 would wrap to 1 as an int.
    QVERIFY_REFUSED(loadArrayDataset(withLabels(
                        makeNpy(std::vector<int64_t>{(int64_t(1) << 32) + 1, 0, 0}, {3}))),
                    "item 0 has label 4294967297");
    QVERIFY_REFUSED(loadArrayDataset(withLabels(makeNpy(std::vector<double>{0, 2.5, 1}, {3}))),
                    "item 1 has label 2.5");
    QVERIFY_REFUSED(loadArrayDataset(withLabels(makeNpy(std::vector<double>{NAN, 0, 1}, {3}))),
                    "item 0 has label nan");
    auto ds = loadArrayDataset(withLabels(makeNpy(std::vector<double>{0, 9999, 1}, {3})));
    QCOMPARE(ds->label(1), 9999);
    QCOMPARE(ds->classNames().size(), 10000);

    writeNpz(path, {{"imgs", images},
                    {"factors", makeNpy(std::vector<double>{0, 1, 2, INFINITY, 4, 5}, {3, 2})}});
    QVERIFY_REFUSED(loadArrayDataset(path), "labels.npz:factors.npy", "factor 1 of item 1 is inf");
    writeNpz(path,
             {{"imgs", images}, {"factors", makeNpy(std::vector<double>{0, 1, NAN}, {3, 1})}});
    QVERIFY_REFUSED(loadArrayDataset(path), "factor 0 of item 2 is nan");
    writeNpz(path, {{"imgs", images}, {"factors", makeNpy(std::vector<double>(3), {3, 1})}});
    QCOMPARE(loadArrayDataset(path)->factorNames().size(), 1);

    // Embedding files follow the same rules.
    writeNpz(path, {{"embedding", makeNpy(std::vector<float>(6, 0.5f), {3, 2})},
                    {"labels", makeNpy(std::vector<double>{0, NAN, 1}, {3})}});
    QVERIFY_REFUSED(loadEmbeddingFile(path), "labels.npz:labels.npy", "item 1 has label nan");
    writeNpz(path, {{"embedding", makeNpy(std::vector<float>{0, 1, 2, 3, INFINITY, 5}, {3, 2})}});
    QVERIFY_REFUSED(loadEmbeddingFile(path), "labels.npz:embedding.npy", "vector 2 holds inf");
  }

  void scalesPixelsByTheirType() {
    const QString path = dir_.filePath("pixels.npy");
    auto write = [&](const QByteArray& descr, const QByteArray& payload) {
      writeFile(path,
                npyBytes("{'descr': '" + descr + "', 'fortran_order': False, 'shape': (2, 1, 2), }",
                         payload));
      return path;
    };
    // uint16: divided by 65535, not 255.
    const uint16_t wide[] = {0, 257, 65535, 1000};
    auto ds = loadArrayDataset(write("<u2", QByteArray(reinterpret_cast<const char*>(wide), 8)));
    QCOMPARE(ds->image(0)[1], 257.0f / 65535.0f);
    QCOMPARE(ds->image(0)[0], 0.0f);
    QCOMPARE(ds->image(1)[0], 1.0f);
    // Binary images of any integer type are kept as 0 and 1.
    const int64_t binary[] = {0, 1, 1, 0};
    ds = loadArrayDataset(write("<i8", QByteArray(reinterpret_cast<const char*>(binary), 32)));
    QCOMPARE(ds->image(0)[1], 1.0f);
    // Signed and wide integer images are refused, naming the first item that is not binary.
    const int8_t negative[] = {0, 1, 1, -5};
    QVERIFY_REFUSED(
        loadArrayDataset(write("|i1", QByteArray(reinterpret_cast<const char*>(negative), 4))),
        "pixels.npy", "type int8 are not supported", "image 1 holds -5");
    const int64_t bytes[] = {0, 1, 255, 3};
    QVERIFY_REFUSED(
        loadArrayDataset(write("<i8", QByteArray(reinterpret_cast<const char*>(bytes), 32))),
        "type int64", "image 1 holds 255");
    const float infinite[] = {0, 0.5f, 0, INFINITY};
    QVERIFY_REFUSED(
        loadArrayDataset(write("<f4", QByteArray(reinterpret_cast<const char*>(infinite), 16))),
        "image 1 contains inf");
    const double nan[] = {NAN, 0.5, 0, 0};
    QVERIFY_REFUSED(
        loadArrayDataset(write("<f8", QByteArray(reinterpret_cast<const char*>(nan), 32))),
        "image 0 contains nan");
    const float outside[] = {0, 0.5f, 0, 2};
    QVERIFY_REFUSED(
        loadArrayDataset(write("<f4", QByteArray(reinterpret_cast<const char*>(outside), 16))),
        "must lie in [0, 1]");
    // Empty images have no items to show.
    writeFile(path, npyBytes("{'descr': '|u1', 'shape': (0, 28, 28), }"));
    QVERIFY_REFUSED(loadArrayDataset(path), "at least one item");
  }

  void readsImageFolderWithClasses() {
    QDir root(dir_.filePath("folder"));
    QVERIFY(root.mkpath("cats"));
    QVERIFY(root.mkpath("dogs"));
    for (int i = 0; i < 3; ++i) {
      QImage img(5, 4, QImage::Format_Grayscale8);
      img.fill(i * 50);
      QVERIFY(
          img.save(root.filePath(QStringLiteral("%1/%2.png").arg(i < 2 ? "cats" : "dogs").arg(i))));
    }
    auto ds = loadImageFolder(root.path());
    QCOMPARE(ds->size(), int64_t(3));
    QVERIFY(ds->itemShape() == (ItemShape{1, 4, 5}));
    QCOMPARE(ds->classNames(), (QStringList{"cats", "dogs"}));
    QCOMPARE(ds->label(2), 1);
    QCOMPARE(ds->image(1)[0], 50.0f / 255.0f);

    QImage odd(7, 7, QImage::Format_Grayscale8);
    odd.fill(0);
    QVERIFY(odd.save(root.filePath("dogs/odd.png")));
    QVERIFY_REFUSED(loadImageFolder(root.path()), "odd.png", "differs from the first image");
    QVERIFY(QFile::remove(root.filePath("dogs/odd.png")));

    writeFile(root.filePath("dogs/junk.png"), "not an image");
    QVERIFY_REFUSED(loadImageFolder(root.path()), "junk.png", "is not a PNG or JPEG image");
    QVERIFY(QFile::remove(root.filePath("dogs/junk.png")));
    // An image file that is a device never gets read.
    QVERIFY(QFile::link("/dev/zero", root.filePath("dogs/zero.png")));
    QVERIFY_REFUSED(loadImageFolder(root.path()), "zero.png", "not a regular file");
  }

  // Encodings are cached under the fingerprint, so it must follow every pixel and only pixels.
  void contentFingerprintFollowsPixels() {
    std::vector<uint8_t> pixels(size_t(6) * 5 * 4);
    for (size_t i = 0; i < pixels.size(); ++i) pixels[i] = uint8_t(i * 7);
    const ArrayDataset original("set", {1, 5, 4}, pixels);
    ArrayDataset same("set", {1, 5, 4}, pixels);
    same.setLabels({0, 1, 0, 1, 0, 1}, {"a", "b"});
    QCOMPARE(same.contentFingerprint(), original.contentFingerprint());
    for (size_t i = 0; i < pixels.size(); i += 13) {
      auto changed = pixels;
      changed[i] ^= 1;
      QVERIFY(ArrayDataset("set", {1, 5, 4}, changed).contentFingerprint() !=
              original.contentFingerprint());
    }
    QVERIFY(ArrayDataset("set", {1, 4, 5}, pixels).contentFingerprint() !=
            original.contentFingerprint());
    QVERIFY(ArrayDataset("set", {1, 5, 4}, pixels, 1.0f).contentFingerprint() !=
            original.contentFingerprint());

    // The default fingerprint hashes the images as the dataset serves them.
    struct Served : Dataset {
      const Dataset& inner;
      explicit Served(const Dataset& d) : inner(d) {}
      QString name() const override { return inner.name(); }
      int64_t size() const override { return inner.size(); }
      ItemShape itemShape() const override { return inner.itemShape(); }
      void copyImage(int64_t i, float* out) const override { inner.copyImage(i, out); }
    };
    auto changed = pixels;
    changed.back() ^= 4;
    const ArrayDataset other("set", {1, 5, 4}, changed);
    QCOMPARE(Served(same).contentFingerprint(), Served(original).contentFingerprint());
    QVERIFY(Served(other).contentFingerprint() != Served(original).contentFingerprint());

    // Every bit of every byte counts, and the seed and the length.
    std::vector<unsigned char> bytes(45, 0x5a);
    const uint64_t base = hashBytes(bytes.data(), bytes.size());
    QVERIFY(hashBytes(bytes.data(), bytes.size(), 1) != base);
    QVERIFY(hashBytes(bytes.data(), bytes.size() - 1) != base);
    for (size_t i = 0; i < bytes.size(); ++i)
      for (int bit = 0; bit < 8; ++bit) {
        bytes[i] ^= uint8_t(1 << bit);
        QVERIFY2(hashBytes(bytes.data(), bytes.size()) != base, qPrintable(QString::number(i)));
        bytes[i] ^= uint8_t(1 << bit);
      }

    // dSprites subsets are identified by their indices.
    QVERIFY(DSpritesDataset({1, 2, 3}).contentFingerprint() !=
            DSpritesDataset({1, 2, 4}).contentFingerprint());
    QCOMPARE(DSpritesDataset({1, 2, 3}).contentFingerprint(),
             DSpritesDataset({1, 2, 3}).contentFingerprint());
  }
};

STRATA_TEST_GUILESS_MAIN(TestArrayReaders)
#include "test_array_readers.moc"
