#pragma once
// Exact density pictures of large 2-D point clouds. Every point is binned into the screen
// pixel it falls in, on every frame: what a user sees while dragging is the data, never a
// subsample. Pixels are then shaded as datashader shades aggregates: the count on a
// histogram-equalised (or log) scale, categories mixed into one colour weighted by their
// counts, or the mean of a continuous value. When the view shows few enough points, each is
// drawn as a small square instead, as a point renderer would.

#include <cstddef>
#include <cstdint>
#include <vector>

namespace strata {

// Display pixel of a world point: (a x + b y + c, d x + e y + f), origin bottom-left, as an
// orthographic camera maps its plane to the screen.
struct ScreenTransform {
  double a = 1, b = 0, c = 0, d = 0, e = 1, f = 0;
  // The world point at display (u, v); false when the transform is singular.
  bool unmap(double u, double v, double& x, double& y) const;
};

struct Rgb {
  uint8_t r = 0, g = 0, b = 0;
};

// What the raster reads, one entry per point. Only `xy` is required.
struct PointColumns {
  const float* xy = nullptr;  // x at xy[i * stride], y at xy[i * stride + 1]
  int64_t count = 0;
  int stride = 2;
  const uint16_t* colourSlot = nullptr;     // index into the palette (categories)
  const uint8_t* colourSlotByte = nullptr;  // the same in a byte (palettes of 256 or fewer)
  const float* value = nullptr;             // continuous value; NaN counts but has no colour
  const char* visible = nullptr;            // 0: hidden (neither drawn nor counted)
};

enum class Colouring { Count, Category, Value };

// Per-pixel sums for one frame, interleaved so a point touches one cache line: per pixel
// Count: {count}; Category: {count, r, g, b} (summed palette colours); Value: {count, value
// sum (float bits), points with a finite value}. Sums of colour channels stay exact up to
// 16.8 million points in one pixel.
struct PixelSums {
  int width = 0, height = 0;
  Colouring colouring = Colouring::Count;
  int stride = 1;  // words per pixel
  std::vector<uint32_t> words;
  int64_t pointsInView = 0;  // kept by the caller: accumulatePoints returns its share

  static int strideOf(Colouring colouring);
  size_t pixels() const { return size_t(width) * size_t(height); }
  uint32_t count(size_t pixel) const { return words[pixel * size_t(stride)]; }
  const uint32_t* at(size_t pixel) const { return words.data() + pixel * size_t(stride); }
  float valueSum(size_t pixel) const;

  void reset(int width, int height, Colouring colouring);   // sized and cleared
  void resize(int width, int height, Colouring colouring);  // sized, contents undefined
  void clearRows(int rowBegin, int rowEnd);
  void add(const PixelSums& other);  // same size and colouring
};

struct RasterRequest {
  ScreenTransform transform;
  int width = 0, height = 0;
  Colouring colouring = Colouring::Count;
  const std::vector<Rgb>* palette = nullptr;  // Category: colour per slot
  // 0: each point is one pixel (density); s > 0: a square of side s pixels (point drawing).
  int squareSide = 0;
  // Only pixel rows [rowBegin, rowEnd) are written (rowEnd < 0: to the top), so workers
  // that each take a band of rows can share one PixelSums without locks; likewise columns
  // (a strip uncovered by a pan).
  int rowBegin = 0, rowEnd = -1;
  int columnBegin = 0, columnEnd = -1;
};

// Sizes `sums` for `request` (the colouring falls back to Count when the columns lack what it
// needs) and, with `clear`, clears it; workers that take bands clear their own rows instead.
// Call once per frame before the workers accumulate.
void preparePixelSums(const PointColumns& points, const RasterRequest& request, PixelSums& sums,
                      bool clear = true);

// Adds points [begin, end) (or, with `indices`, the points indices[begin .. end)) to `sums`,
// prepared for this request. Returns how many of them lie in the request's rows (by centre).
int64_t accumulatePoints(const PointColumns& points, const RasterRequest& request, int64_t begin,
                         int64_t end, PixelSums& sums, const uint32_t* indices = nullptr);

// `sums` moved by (dx, dy) whole pixels, in place: sums(x, y) = old sums(x - dx, y - dy), zero
// where that lies outside. A pan by whole pixels then only has to bin the strips it uncovers,
// and no second frame of sums is kept for it.
void shiftPixelSums(PixelSums& sums, int dx, int dy);

enum class DensityScale { EqualisedHistogram, Log };

struct ShadeOptions {
  DensityScale scale = DensityScale::EqualisedHistogram;
  bool drawPoints = false;  // sums were made with squares: opaque mean colours
  Rgb background{255, 255, 255};
  Rgb countLow{198, 219, 239}, countHigh{8, 48, 107};  // Count: light to dark blue
  Rgb pointColour{31, 119, 180};                       // Count, drawn as points
  const std::vector<Rgb>* valueColours = nullptr;      // Value: colour map, low to high
  float valueLow = 0, valueHigh = 1;
  Rgb noValue{153, 153, 153};
  // Category and Value pixels: the lowest opacity, for a pixel with one point (datashader's
  // min_alpha of 40 / 255 is too faint on a white background at screen resolution).
  double minimumAlpha = 0.35;
};

// Opaque RGBA (alpha 255), rows bottom-up as OpenGL textures: width * height * 4 bytes. Four
// channels, though alpha says nothing, because software GL uploads them without converting.
constexpr int kPictureChannels = 4;
void shadePixels(const PixelSums& sums, const ShadeOptions& options, std::vector<uint8_t>& rgb);
// The same for rows [rowBegin, rowEnd) of an image already sized, with the intensities
// countIntensity gave for the whole frame (workers shade bands of one frame).
void shadeRows(const PixelSums& sums, const ShadeOptions& options,
               const std::vector<float>& intensity, int rowBegin, int rowEnd, uint8_t* rgb);

// Intensity in [0, 1] of each non-zero count under `scale`, indexed by count up to the
// largest (empty when there are no points).
std::vector<float> countIntensity(const PixelSums& sums, DensityScale scale);
// The same in two steps, so workers can each count a band of rows: how many pixels hold each
// count (index = count, grown as needed; add the bands' histograms), then the intensities.
void countHistogram(const PixelSums& sums, int rowBegin, int rowEnd,
                    std::vector<uint32_t>& histogram);
std::vector<float> intensityFromHistogram(const std::vector<uint32_t>& histogram,
                                          DensityScale scale);
std::vector<float> countIntensity(const std::vector<uint32_t>& counts, DensityScale scale);

}  // namespace strata
