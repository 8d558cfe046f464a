#pragma once
// dSprites, generated: 3 shapes x 6 scales x 40 orientations x 32 x 32 positions = 737,280
// binary 64 x 64 images with the standard data set's factor values, rendered on demand.
// The rendering rule is written out in tools/strata_tools/data.py; both must agree exactly.

#include <QString>

#include <array>

#include "core/data/dataset.h"

namespace strata {

struct DSpritesFactors {
  int shape = 0;                                       // 0 square, 1 ellipse, 2 heart
  int scale = 0, orientation = 0, posX = 0, posY = 0;  // indices
};

class DSpritesDataset : public Dataset {
 public:
  static constexpr int kSize = 64;
  static constexpr int64_t kCount = int64_t(3) * 6 * 40 * 32 * 32;

  // All 737,280 combinations, or only `indices` (flat indices into the full set).
  DSpritesDataset();
  explicit DSpritesDataset(std::vector<int64_t> indices);

  static DSpritesFactors unflatten(int64_t flatIndex);
  static int64_t flatten(const DSpritesFactors& f);
  // Factor values: scale in [0.5, 1], orientation in [0, 2 pi], positions in [0, 1].
  static std::array<double, 5> values(const DSpritesFactors& f);
  static void render(const DSpritesFactors& f, uint8_t* out);  // 64 x 64, values 0/1

  QString name() const override;
  // The images are generated, so the chosen indices identify them.
  uint64_t contentFingerprint() const override;
  int64_t size() const override;
  ItemShape itemShape() const override { return {1, kSize, kSize}; }
  void copyImage(int64_t index, float* out) const override;
  bool hasLabels() const override { return true; }
  int label(int64_t index) const override;
  QStringList classNames() const override;
  QStringList factorNames() const override;
  double factor(int64_t index, int factor) const override;
  int64_t flatIndex(int64_t index) const;

 private:
  std::vector<int64_t> indices_;  // empty: the full set in order
};

// Writes images (uint8 [N, 64, 64]), factor classes (int64 [N, 5]) and values (float32
// [N, 5]) as an .npz, in the key names of the original data set (imgs, latents_classes,
// latents_values; without its constant colour factor).
void writeDSpritesNpz(const QString& path, const DSpritesDataset& dataset);

}  // namespace strata
