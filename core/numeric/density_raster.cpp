#include "core/numeric/density_raster.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>

namespace strata {

bool ScreenTransform::unmap(double u, double v, double& x, double& y) const {
  const double det = a * e - b * d;
  if (det == 0 || !std::isfinite(det)) return false;
  const double du = u - c, dv = v - f;
  x = (e * du - b * dv) / det;
  y = (a * dv - d * du) / det;
  return true;
}

int PixelSums::strideOf(Colouring colouring) {
  switch (colouring) {
    case Colouring::Category:
      return 4;
    case Colouring::Value:
      return 3;
    case Colouring::Count:
      break;
  }
  return 1;
}

float PixelSums::valueSum(size_t pixel) const {
  float v;
  std::memcpy(&v, &words[pixel * size_t(stride) + 1], sizeof v);
  return v;
}

void PixelSums::resize(int w, int h, Colouring mode) {
  width = std::max(w, 0);
  height = std::max(h, 0);
  colouring = mode;
  stride = strideOf(mode);
  words.resize(pixels() * size_t(stride));
  pointsInView = 0;
}

void PixelSums::reset(int w, int h, Colouring mode) {
  resize(w, h, mode);
  clearRows(0, height);
}

void PixelSums::clearRows(int rowBegin, int rowEnd) {
  const size_t rowWords = size_t(width) * size_t(stride);
  rowBegin = std::clamp(rowBegin, 0, height);
  rowEnd = std::clamp(rowEnd, rowBegin, height);
  std::fill(words.begin() + std::ptrdiff_t(size_t(rowBegin) * rowWords),
            words.begin() + std::ptrdiff_t(size_t(rowEnd) * rowWords), 0u);
}

void PixelSums::add(const PixelSums& other) {
  if (other.words.size() != words.size() || other.colouring != colouring) return;
  for (size_t p = 0; p < pixels(); ++p) {
    uint32_t* into = words.data() + p * size_t(stride);
    const uint32_t* from = other.at(p);
    into[0] += from[0];
    if (colouring == Colouring::Category) {
      into[1] += from[1], into[2] += from[2], into[3] += from[3];
    } else if (colouring == Colouring::Value) {
      float a, b;
      std::memcpy(&a, &into[1], sizeof a);
      std::memcpy(&b, &from[1], sizeof b);
      a += b;
      std::memcpy(&into[1], &a, sizeof a);
      into[2] += from[2];
    }
  }
  pointsInView += other.pointsInView;
}

void shiftPixelSums(PixelSums& sums, int dx, int dy) {
  const size_t stride = size_t(sums.stride), width = size_t(sums.width);
  const size_t rowWords = width * stride;
  const int height = sums.height;
  // Columns of a row that come from the old picture: [x0, x1) in the new one.
  const int x0 = std::clamp(dx, 0, sums.width), x1 = std::clamp(sums.width + dx, 0, sums.width);
  // In place: rows are visited so that a row is read before it is overwritten (from the top
  // when the picture moves up, from the bottom otherwise); memmove handles a row onto itself.
  for (int step = 0; step < height; ++step) {
    const int y = dy > 0 ? height - 1 - step : step;
    uint32_t* out = sums.words.data() + size_t(y) * rowWords;
    const int source = y - dy;
    if (source < 0 || source >= height || x0 >= x1) {
      std::fill(out, out + rowWords, 0u);
      continue;
    }
    const uint32_t* in = sums.words.data() + size_t(source) * rowWords;
    std::memmove(out + size_t(x0) * stride, in + size_t(x0 - dx) * stride,
                 size_t(x1 - x0) * stride * sizeof(uint32_t));
    std::fill(out, out + size_t(x0) * stride, 0u);
    std::fill(out + size_t(x1) * stride, out + rowWords, 0u);
  }
}

namespace {

// One pixel (or square) of one point. `Mode` is a template parameter so the per-point loop has
// no colouring branch.
template <Colouring Mode>
struct Binner {
  const PointColumns& points;
  const RasterRequest& request;
  PixelSums& sums;

  // What one point adds to its pixel: {1, r, g, b}, {1, value bits, finite} or {1}.
  struct Addend {
    uint32_t count = 0, r = 0, g = 0, b = 0;
    float value = 0;
  };

  Addend addendOf(int64_t i) const {
    Addend a;
    a.count = 1;
    if constexpr (Mode == Colouring::Category) {
      const std::vector<Rgb>& palette = *request.palette;
      const size_t slot = points.colourSlotByte ? points.colourSlotByte[i] : points.colourSlot[i];
      const Rgb& colour = palette[std::min<size_t>(slot, palette.size() - 1)];
      a.r = colour.r, a.g = colour.g, a.b = colour.b;
    } else if constexpr (Mode == Colouring::Value) {
      const float v = points.value[i];
      if (std::isfinite(v)) a.value = v, a.r = 1;  // r counts the finite values
    }
    return a;
  }

  void addPixel(size_t pixel, const Addend& a) {
    uint32_t* cell = sums.words.data() + pixel * size_t(PixelSums::strideOf(Mode));
    cell[0] += a.count;
    if constexpr (Mode == Colouring::Category) {
      cell[1] += a.r;
      cell[2] += a.g;
      cell[3] += a.b;
    } else if constexpr (Mode == Colouring::Value) {
      if (a.r) {
        float sum;
        std::memcpy(&sum, &cell[1], sizeof sum);
        sum += a.value;
        std::memcpy(&cell[1], &sum, sizeof sum);
        cell[2] += a.r;
      }
    }
  }

  void addPixel(size_t pixel, int64_t i) { addPixel(pixel, addendOf(i)); }

  // One point: returns whether it lies in the request's rows (by its centre).
  bool binOne(int64_t i, int x0Limit, int w, int rowBegin, int rowEnd, int side, double half) {
    if (points.visible && !points.visible[i]) return false;
    const ScreenTransform& t = request.transform;
    const float* p = points.xy + i * points.stride;
    const double u = t.a * p[0] + t.b * p[1] + t.c;
    const double v = t.d * p[0] + t.e * p[1] + t.f;
    if (side == 0) {
      // Negated comparisons also reject NaN.
      if (!(u >= x0Limit && v >= rowBegin && u < w && v < rowEnd)) return false;
      addPixel(size_t(int(v)) * size_t(request.width) + size_t(int(u)), i);
      return true;
    }
    if (!(u > x0Limit - half && v > rowBegin - half && u < w + half && v < rowEnd + half))
      return false;
    const int left = int(std::floor(u - half + 0.5)), bottom = int(std::floor(v - half + 0.5));
    const int x0 = std::max(x0Limit, left), x1 = std::min(w, left + side);
    const int y0 = std::max(rowBegin, bottom), y1 = std::min(rowEnd, bottom + side);
    for (int y = y0; y < y1; ++y)
      for (int x = x0; x < x1; ++x) addPixel(size_t(y) * size_t(request.width) + size_t(x), i);
    return v >= rowBegin && v < rowEnd && u >= x0Limit && u < w;
  }

  // One pixel per point (density), the frame's hot loop: everything it reads is held in
  // locals so the compiler keeps it in registers (through the members it reloaded and spilled
  // every point), and a category's addend {1, r, g, b} is read from a table built once.
  template <bool Indexed, typename Slot = uint16_t>
  int64_t runPixels(int64_t begin, int64_t end, const uint32_t* indices, int x0, int w,
                    int rowBegin, int rowEnd) {
    const ScreenTransform t = request.transform;
    const double left = x0, right = w, low = rowBegin, high = rowEnd;
    const size_t width = size_t(request.width);
    const float* xy = points.xy;
    const int64_t xyStride = points.stride;
    const char* shown = points.visible;
    uint32_t* words = sums.words.data();
    std::vector<std::array<uint32_t, 4>> addends;
    const Slot* slots = nullptr;
    size_t lastSlot = 0;
    if constexpr (Mode == Colouring::Category) {
      for (const Rgb& c : *request.palette) addends.push_back({1, c.r, c.g, c.b});
      if constexpr (sizeof(Slot) == 1)
        slots = points.colourSlotByte;
      else
        slots = points.colourSlot;
      lastSlot = addends.size() - 1;
    }
    int64_t inView = 0;
    for (int64_t k = begin; k < end; ++k) {
      const int64_t i = Indexed ? int64_t(indices[k]) : k;
      if (shown && !shown[i]) continue;
      const float* p = xy + i * xyStride;
      const double u = t.a * p[0] + t.b * p[1] + t.c;
      const double v = t.d * p[0] + t.e * p[1] + t.f;
      // Negated comparisons also reject NaN.
      if (!(u >= left && v >= low && u < right && v < high)) continue;
      const size_t pixel = size_t(int(v)) * width + size_t(int(u));
      ++inView;
      if constexpr (Mode == Colouring::Category) {
        const std::array<uint32_t, 4>& add = addends[std::min<size_t>(slots[i], lastSlot)];
        uint32_t* cell = words + pixel * 4;
        cell[0] += add[0];
        cell[1] += add[1];
        cell[2] += add[2];
        cell[3] += add[3];
      } else if constexpr (Mode == Colouring::Count) {
        ++words[pixel];
      } else {
        addPixel(pixel, i);
      }
    }
    return inView;
  }

  int64_t run(int64_t begin, int64_t end, const uint32_t* indices) {
    // w: the end of the columns written (the picture's width unless a strip ends earlier).
    const int w =
        request.columnEnd < 0 ? request.width : std::min(request.columnEnd, request.width);
    const int x0 = std::max(request.columnBegin, 0);
    const int rowBegin = std::max(request.rowBegin, 0);
    const int rowEnd =
        request.rowEnd < 0 ? request.height : std::min(request.rowEnd, request.height);
    const int side = request.squareSide;
    if (side == 0 && Mode == Colouring::Category && points.colourSlotByte)
      return indices ? runPixels<true, uint8_t>(begin, end, indices, x0, w, rowBegin, rowEnd)
                     : runPixels<false, uint8_t>(begin, end, nullptr, x0, w, rowBegin, rowEnd);
    if (side == 0)
      return indices ? runPixels<true>(begin, end, indices, x0, w, rowBegin, rowEnd)
                     : runPixels<false>(begin, end, nullptr, x0, w, rowBegin, rowEnd);
    const double half = 0.5 * side;
    int64_t inView = 0;
    if (indices) {
      for (int64_t k = begin; k < end; ++k)
        inView += binOne(int64_t(indices[k]), x0, w, rowBegin, rowEnd, side, half);
      return inView;
    }
    for (int64_t k = begin; k < end; ++k) inView += binOne(k, x0, w, rowBegin, rowEnd, side, half);
    return inView;
  }
};

Rgb mix(Rgb low, Rgb high, double t) {
  auto channel = [t](uint8_t a, uint8_t b) {
    return uint8_t(std::lround(double(a) + (double(b) - double(a)) * t));
  };
  return {channel(low.r, high.r), channel(low.g, high.g), channel(low.b, high.b)};
}

void put(uint8_t* rgba, size_t pixel, Rgb c) {
  uint8_t* out = rgba + pixel * kPictureChannels;
  out[0] = c.r;
  out[1] = c.g;
  out[2] = c.b;
  out[3] = 255;
}

Rgb valueColour(const ShadeOptions& o, double mean) {
  if (!o.valueColours || o.valueColours->empty()) return o.noValue;
  const double span = double(o.valueHigh) - double(o.valueLow);
  double t = span > 0 ? (mean - double(o.valueLow)) / span : 0.5;
  t = std::clamp(t, 0.0, 1.0);
  const size_t n = o.valueColours->size();
  return (*o.valueColours)[std::min(n - 1, size_t(std::lround(t * double(n - 1))))];
}

}  // namespace

void preparePixelSums(const PointColumns& points, const RasterRequest& request, PixelSums& sums,
                      bool clear) {
  Colouring mode = request.colouring;
  if (mode == Colouring::Category && ((!points.colourSlot && !points.colourSlotByte) ||
                                      !request.palette || request.palette->empty()))
    mode = Colouring::Count;
  if (mode == Colouring::Value && !points.value) mode = Colouring::Count;
  if (clear)
    sums.reset(request.width, request.height, mode);
  else
    sums.resize(request.width, request.height, mode);
}

int64_t accumulatePoints(const PointColumns& points, const RasterRequest& request, int64_t begin,
                         int64_t end, PixelSums& sums, const uint32_t* indices) {
  if (!points.xy || request.width <= 0 || request.height <= 0 || sums.width != request.width ||
      sums.height != request.height)
    return 0;
  switch (sums.colouring) {
    case Colouring::Count:
      return Binner<Colouring::Count>{points, request, sums}.run(begin, end, indices);
    case Colouring::Category:
      return Binner<Colouring::Category>{points, request, sums}.run(begin, end, indices);
    case Colouring::Value:
      return Binner<Colouring::Value>{points, request, sums}.run(begin, end, indices);
  }
  return 0;
}

void countHistogram(const PixelSums& sums, int rowBegin, int rowEnd,
                    std::vector<uint32_t>& histogram) {
  const size_t first = size_t(std::clamp(rowBegin, 0, sums.height)) * size_t(sums.width);
  const size_t last = size_t(std::clamp(rowEnd, 0, sums.height)) * size_t(sums.width);
  const size_t stride = size_t(sums.stride);
  const uint32_t* words = sums.words.data();
  for (size_t p = first; p < last; ++p) {
    const uint32_t c = words[p * stride];
    if (c == 0) continue;
    if (c >= histogram.size()) histogram.resize(size_t(c) + 1, 0);
    ++histogram[c];
  }
}

std::vector<float> intensityFromHistogram(const std::vector<uint32_t>& histogram,
                                          DensityScale scale) {
  uint32_t lowest = 0, highest = 0;
  for (size_t c = 1; c < histogram.size(); ++c)
    if (histogram[c]) {
      if (lowest == 0) lowest = uint32_t(c);
      highest = uint32_t(c);
    }
  if (highest == 0) return {};
  std::vector<float> intensity(size_t(highest) + 1, 0.0f);
  if (highest == lowest) {
    intensity[highest] = 1.0f;
    return intensity;
  }
  if (scale == DensityScale::Log) {
    const double lo = std::log(double(lowest)), span = std::log(double(highest)) - lo;
    for (uint32_t c = lowest; c <= highest; ++c)
      intensity[c] = float((std::log(double(c)) - lo) / span);
    return intensity;
  }
  // Histogram equalisation over the non-empty pixels: a count's intensity is the share of
  // pixels at or below it, rescaled so the least-filled pixel gets 0 and the fullest 1.
  std::vector<double> cumulative(size_t(highest) + 1, 0.0);
  for (uint32_t c = 1; c <= highest; ++c) cumulative[c] = cumulative[c - 1] + histogram[c];
  const double first = cumulative[lowest], span = cumulative[highest] - first;
  for (uint32_t c = lowest; c <= highest; ++c)
    intensity[c] = span > 0 ? float((cumulative[c] - first) / span) : 1.0f;
  return intensity;
}

std::vector<float> countIntensity(const std::vector<uint32_t>& counts, DensityScale scale) {
  std::vector<uint32_t> histogram;
  for (uint32_t c : counts) {
    if (c == 0) continue;
    if (c >= histogram.size()) histogram.resize(size_t(c) + 1, 0);
    ++histogram[c];
  }
  return intensityFromHistogram(histogram, scale);
}

std::vector<float> countIntensity(const PixelSums& sums, DensityScale scale) {
  std::vector<uint32_t> histogram;
  countHistogram(sums, 0, sums.height, histogram);
  return intensityFromHistogram(histogram, scale);
}

void shadeRows(const PixelSums& sums, const ShadeOptions& options,
               const std::vector<float>& intensity, int rowBegin, int rowEnd, uint8_t* rgb) {
  const size_t first = size_t(std::clamp(rowBegin, 0, sums.height)) * size_t(sums.width);
  const size_t last = size_t(std::clamp(rowEnd, 0, sums.height)) * size_t(sums.width);
  // Colours by intensity in 256 steps (the ramp for counts, the opacity otherwise).
  std::array<Rgb, 256> ramp;
  std::array<uint32_t, 256> opacity;  // of 256
  for (int k = 0; k < 256; ++k) {
    ramp[size_t(k)] = mix(options.countLow, options.countHigh, k / 255.0);
    const double alpha =
        options.drawPoints ? 1.0 : options.minimumAlpha + (1.0 - options.minimumAlpha) * k / 255.0;
    opacity[size_t(k)] = uint32_t(std::lround(alpha * 256));
  }
  const Rgb bg = options.background;
  // Empty pixels are most of a picture: fill the background in one sweep, then visit the rest.
  if (bg.r == bg.g && bg.g == bg.b) {
    std::memset(rgb + first * kPictureChannels, bg.r, (last - first) * kPictureChannels);
  } else {
    for (size_t p = first; p < last; ++p) put(rgb, p, bg);
  }
  const size_t stride = size_t(sums.stride);
  const uint32_t* words = sums.words.data();
  for (size_t p = first; p < last; ++p) {
    const uint32_t* cell = words + p * stride;
    const uint32_t n = cell[0];
    if (n == 0) continue;
    const size_t step = options.drawPoints || n >= intensity.size()
                            ? 255
                            : size_t(std::lround(intensity[n] * 255.0f));
    Rgb colour;
    switch (sums.colouring) {
      case Colouring::Count:
        put(rgb, p, options.drawPoints ? options.pointColour : ramp[step]);
        continue;
      case Colouring::Category:
        if (n == 1) {
          colour = {uint8_t(cell[1]), uint8_t(cell[2]), uint8_t(cell[3])};
        } else {
          // The mean of each channel, rounded (a multiply: three divisions per pixel showed).
          const double inverse = 1.0 / double(n);
          colour = {uint8_t(std::lround(double(cell[1]) * inverse)),
                    uint8_t(std::lround(double(cell[2]) * inverse)),
                    uint8_t(std::lround(double(cell[3]) * inverse))};
        }
        break;
      case Colouring::Value:
        colour = cell[2] ? valueColour(options, double(sums.valueSum(p)) / double(cell[2]))
                         : options.noValue;
        break;
    }
    const uint32_t a = opacity[step], keep = 256 - a;
    put(rgb, p,
        {uint8_t((bg.r * keep + colour.r * a + 128) >> 8),
         uint8_t((bg.g * keep + colour.g * a + 128) >> 8),
         uint8_t((bg.b * keep + colour.b * a + 128) >> 8)});
  }
}

void shadePixels(const PixelSums& sums, const ShadeOptions& options, std::vector<uint8_t>& rgb) {
  rgb.resize(sums.pixels() * kPictureChannels);
  const std::vector<float> intensity =
      options.drawPoints ? std::vector<float>{} : countIntensity(sums, options.scale);
  shadeRows(sums, options, intensity, 0, sums.height, rgb.data());
}

}  // namespace strata
