#include "core/data/dsprites.h"

#include <QFile>

#include <cmath>
#include <cstring>
#include <map>
#include <string>

#include "core/base/errors.h"
#include "core/data/npy.h"

namespace strata {
namespace {

// Element i of numpy.linspace(start, stop, n), written out to be reproducible bit for bit.
double linspaceValue(double start, double stop, int n, int i) {
  if (i == n - 1) return stop;
  const double step = (stop - start) / (n - 1);
  return double(i) * step + start;
}

constexpr double kTwoPi = 2.0 * M_PI;

uint32_t le32(const char* p) {
  const auto* b = reinterpret_cast<const uint8_t*>(p);
  return uint32_t(b[0]) | (uint32_t(b[1]) << 8) | (uint32_t(b[2]) << 16) | (uint32_t(b[3]) << 24);
}

// Whether the zip archive at `path` was written to its end: it must close with an end record
// whose central directory ends where the record starts. A write that failed on the way (a full
// disk) leaves a shorter file, which fails this.
bool zipIsComplete(const QString& path) {
  constexpr qint64 kEndRecord = 22;
  QFile file(path);
  if (!file.open(QIODevice::ReadOnly) || file.size() < kEndRecord) return false;
  if (!file.seek(file.size() - kEndRecord)) return false;
  const QByteArray end = file.read(kEndRecord);
  return end.size() == kEndRecord && le32(end.constData()) == 0x06054b50u &&
         qint64(le32(end.constData() + 12)) + qint64(le32(end.constData() + 16)) ==
             file.size() - kEndRecord;
}

}  // namespace

DSpritesDataset::DSpritesDataset() = default;
DSpritesDataset::DSpritesDataset(std::vector<int64_t> indices) : indices_(std::move(indices)) {}

DSpritesFactors DSpritesDataset::unflatten(int64_t i) {
  DSpritesFactors f;
  f.posY = int(i % 32);
  i /= 32;
  f.posX = int(i % 32);
  i /= 32;
  f.orientation = int(i % 40);
  i /= 40;
  f.scale = int(i % 6);
  f.shape = int(i / 6);
  return f;
}

int64_t DSpritesDataset::flatten(const DSpritesFactors& f) {
  return ((((int64_t(f.shape) * 6 + f.scale) * 40 + f.orientation) * 32 + f.posX) * 32 + f.posY);
}

std::array<double, 5> DSpritesDataset::values(const DSpritesFactors& f) {
  return {double(f.shape), linspaceValue(0.5, 1.0, 6, f.scale),
          linspaceValue(0.0, kTwoPi, 40, f.orientation), linspaceValue(0.0, 1.0, 32, f.posX),
          linspaceValue(0.0, 1.0, 32, f.posY)};
}

void DSpritesDataset::render(const DSpritesFactors& f, uint8_t* out) {
  const auto v = values(f);
  const double cx = 16.0 + 32.0 * v[3], cy = 16.0 + 32.0 * v[4], s = 10.0 * v[1];
  const double ct = std::cos(v[2]), st = std::sin(v[2]);
  for (int r = 0; r < kSize; ++r) {
    const double dy = (r + 0.5) - cy;
    for (int c = 0; c < kSize; ++c) {
      const double dx = (c + 0.5) - cx;
      const double u = (ct * dx + st * dy) / s;
      const double w = (-st * dx + ct * dy) / s;
      bool inside = false;
      if (f.shape == 0) {
        inside = std::max(std::abs(u), std::abs(w)) <= 1.0;
      } else if (f.shape == 1) {
        const double w2 = w * 2.0;
        inside = u * u + w2 * w2 <= 1.0;
      } else {
        const double a = u * 1.2, b = (-w) * 1.2 + 0.25;
        const double q = a * a + b * b - 1.0;
        inside = q * q * q - (a * a) * (b * b * b) <= 0.0;
      }
      out[r * kSize + c] = inside ? 1 : 0;
    }
  }
}

QString DSpritesDataset::name() const {
  return indices_.empty() ? QStringLiteral("dSprites (all 737,280)")
                          : QStringLiteral("dSprites (%1 items)").arg(indices_.size());
}

uint64_t DSpritesDataset::contentFingerprint() const {
  return indices_.empty() ? uint64_t(kCount)
                          : hashBytes(indices_.data(), indices_.size() * sizeof(int64_t), 2);
}

int64_t DSpritesDataset::size() const {
  return indices_.empty() ? kCount : int64_t(indices_.size());
}

int64_t DSpritesDataset::flatIndex(int64_t index) const {
  return indices_.empty() ? index : indices_[size_t(index)];
}

void DSpritesDataset::copyImage(int64_t index, float* out) const {
  uint8_t pixels[kSize * kSize];
  render(unflatten(flatIndex(index)), pixels);
  for (int i = 0; i < kSize * kSize; ++i) out[i] = float(pixels[i]);
}

int DSpritesDataset::label(int64_t index) const {
  return unflatten(flatIndex(index)).shape;
}

QStringList DSpritesDataset::classNames() const {
  return {"square", "ellipse", "heart"};
}

QStringList DSpritesDataset::factorNames() const {
  return {"shape", "scale", "orientation", "pos_x", "pos_y"};
}

double DSpritesDataset::factor(int64_t index, int factor) const {
  return values(unflatten(flatIndex(index)))[size_t(factor)];
}

void writeDSpritesNpz(const QString& path, const DSpritesDataset& dataset) {
  const int64_t n = dataset.size();
  // Filled in place: vectors converted by makeNpy would hold the images (3 GB for the full
  // set) once more.
  std::map<std::string, NpyArray> arrays;
  NpyArray& images = arrays["imgs"];
  images.kind = 'u';
  images.wordSize = 1;
  images.shape = {n, DSpritesDataset::kSize, DSpritesDataset::kSize};
  images.bytes.resize(size_t(n) * DSpritesDataset::kSize * DSpritesDataset::kSize);
  NpyArray& classes = arrays["latents_classes"];
  classes.kind = 'i';
  classes.wordSize = sizeof(int64_t);
  classes.shape = {n, 5};
  classes.bytes.resize(size_t(n) * 5 * sizeof(int64_t));
  NpyArray& values = arrays["latents_values"];
  values.kind = 'f';
  values.wordSize = sizeof(float);
  values.shape = {n, 5};
  values.bytes.resize(size_t(n) * 5 * sizeof(float));
  for (int64_t i = 0; i < n; ++i) {
    const DSpritesFactors f = DSpritesDataset::unflatten(dataset.flatIndex(i));
    DSpritesDataset::render(
        f, images.bytes.data() + size_t(i) * DSpritesDataset::kSize * DSpritesDataset::kSize);
    const int64_t idx[5] = {f.shape, f.scale, f.orientation, f.posX, f.posY};
    const auto v = DSpritesDataset::values(f);
    const float value[5] = {float(v[0]), float(v[1]), float(v[2]), float(v[3]), float(v[4])};
    std::memcpy(classes.bytes.data() + size_t(i) * sizeof(idx), idx, sizeof(idx));
    std::memcpy(values.bytes.data() + size_t(i) * sizeof(value), value, sizeof(value));
  }
  writeNpz(path, arrays);
  if (!zipIsComplete(path))
    throw DataError(path.toStdString(), "the file was not written completely (is the disk full?)");
}

}  // namespace strata
