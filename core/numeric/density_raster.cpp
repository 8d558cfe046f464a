#include "core/numeric/density_raster.h"

#include <algorithm>
#include <cmath>

namespace strata {

bool ScreenTransform::unmap(double u, double v, double& x, double& y) const {
  const double det = a * e - b * d;
  if (det == 0 || !std::isfinite(det)) return false;
  const double du = u - c, dv = v - f;
  x = (e * du - b * dv) / det;
  y = (a * dv - d * du) / det;
  return true;
}

void PixelSums::reset(int w, int h, Colouring mode) {
  width = w;
  height = h;
  colouring = mode;
  const size_t pixels = size_t(std::max(w, 0)) * size_t(std::max(h, 0));
  count.assign(pixels, 0);
  const size_t colourPixels = mode == Colouring::Category ? pixels : 0;
  r.assign(colourPixels, 0);
  g.assign(colourPixels, 0);
  b.assign(colourPixels, 0);
  valueSum.assign(mode == Colouring::Value ? pixels : 0, 0.0f);
  valueCount.assign(mode == Colouring::Value ? pixels : 0, 0);
  pointsInView = 0;
}

void PixelSums::add(const PixelSums& other) {
  auto addAll = [](auto& into, const auto& from) {
    for (size_t i = 0; i < into.size() && i < from.size(); ++i) into[i] += from[i];
  };
  addAll(count, other.count);
  addAll(r, other.r);
  addAll(g, other.g);
  addAll(b, other.b);
  addAll(valueSum, other.valueSum);
  addAll(valueCount, other.valueCount);
  pointsInView += other.pointsInView;
}

namespace {

// One pixel (or square) of one point. `Mode` is a template parameter so the per-point loop has
// no colouring branch.
template <Colouring Mode>
struct Binner {
  const PointColumns& points;
  const RasterRequest& request;
  PixelSums& sums;

  void addPixel(size_t pixel, int64_t i) {
    ++sums.count[pixel];
    if constexpr (Mode == Colouring::Category) {
      const std::vector<Rgb>& palette = *request.palette;
      const Rgb& colour = palette[std::min<size_t>(points.colourSlot[i], palette.size() - 1)];
      sums.r[pixel] += colour.r;
      sums.g[pixel] += colour.g;
      sums.b[pixel] += colour.b;
    } else if constexpr (Mode == Colouring::Value) {
      const float v = points.value[i];
      if (std::isfinite(v)) {
        sums.valueSum[pixel] += v;
        ++sums.valueCount[pixel];
      }
    }
  }

  int64_t run(int64_t begin, int64_t end, const uint32_t* indices) {
    const ScreenTransform& t = request.transform;
    const int w = request.width;
    const int rowBegin = std::max(request.rowBegin, 0);
    const int rowEnd =
        request.rowEnd < 0 ? request.height : std::min(request.rowEnd, request.height);
    const int side = request.squareSide;
    const double half = side > 0 ? 0.5 * side : 0.0;
    int64_t inView = 0;
    for (int64_t k = begin; k < end; ++k) {
      const int64_t i = indices ? int64_t(indices[k]) : k;
      if (points.visible && !points.visible[i]) continue;
      const float* p = points.xy + i * points.stride;
      const double u = t.a * p[0] + t.b * p[1] + t.c;
      const double v = t.d * p[0] + t.e * p[1] + t.f;
      if (side == 0) {
        // Negated comparisons also reject NaN.
        if (!(u >= 0 && v >= rowBegin && u < w && v < rowEnd)) continue;
        addPixel(size_t(int(v)) * size_t(w) + size_t(int(u)), i);
        ++inView;
        continue;
      }
      if (!(u > -half && v > rowBegin - half && u < w + half && v < rowEnd + half)) continue;
      const int left = int(std::floor(u - half + 0.5)), bottom = int(std::floor(v - half + 0.5));
      const int x0 = std::max(0, left), x1 = std::min(w, left + side);
      const int y0 = std::max(rowBegin, bottom), y1 = std::min(rowEnd, bottom + side);
      for (int y = y0; y < y1; ++y)
        for (int x = x0; x < x1; ++x) addPixel(size_t(y) * size_t(w) + size_t(x), i);
      if (v >= rowBegin && v < rowEnd && u >= 0 && u < w) ++inView;
    }
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
  uint8_t* out = rgba + pixel * 4;
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

void preparePixelSums(const PointColumns& points, const RasterRequest& request, PixelSums& sums) {
  Colouring mode = request.colouring;
  if (mode == Colouring::Category &&
      (!points.colourSlot || !request.palette || request.palette->empty()))
    mode = Colouring::Count;
  if (mode == Colouring::Value && !points.value) mode = Colouring::Count;
  sums.reset(std::max(request.width, 0), std::max(request.height, 0), mode);
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

std::vector<float> countIntensity(const std::vector<uint32_t>& counts, DensityScale scale) {
  uint32_t lowest = 0, highest = 0;
  for (uint32_t c : counts) {
    if (c == 0) continue;
    highest = std::max(highest, c);
    lowest = lowest == 0 ? c : std::min(lowest, c);
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
  std::vector<uint32_t> pixelsWith(size_t(highest) + 1, 0);
  for (uint32_t c : counts)
    if (c) ++pixelsWith[c];
  std::vector<double> cumulative(size_t(highest) + 1, 0.0);
  double running = 0;
  for (uint32_t c = 1; c <= highest; ++c) {
    running += pixelsWith[c];
    cumulative[c] = running;
  }
  const double first = cumulative[lowest], span = running - first;
  for (uint32_t c = lowest; c <= highest; ++c)
    intensity[c] = span > 0 ? float((cumulative[c] - first) / span) : 1.0f;
  return intensity;
}

void shadeRows(const PixelSums& sums, const ShadeOptions& options,
               const std::vector<float>& intensity, int rowBegin, int rowEnd, uint8_t* rgba) {
  const size_t first = size_t(std::max(rowBegin, 0)) * size_t(sums.width);
  const size_t last = size_t(std::clamp(rowEnd, 0, sums.height)) * size_t(sums.width);
  for (size_t p = first; p < last; ++p) {
    const uint32_t n = sums.count[p];
    if (n == 0) {
      put(rgba, p, options.background);
      continue;
    }
    const double t = options.drawPoints || n >= intensity.size() ? 1.0 : double(intensity[n]);
    Rgb colour;
    switch (sums.colouring) {
      case Colouring::Count:
        put(rgba, p,
            options.drawPoints ? options.pointColour : mix(options.countLow, options.countHigh, t));
        continue;
      case Colouring::Category:
        colour = {uint8_t((sums.r[p] + n / 2) / n), uint8_t((sums.g[p] + n / 2) / n),
                  uint8_t((sums.b[p] + n / 2) / n)};
        break;
      case Colouring::Value:
        colour = sums.valueCount[p]
                     ? valueColour(options, double(sums.valueSum[p]) / double(sums.valueCount[p]))
                     : options.noValue;
        break;
    }
    const double alpha =
        options.drawPoints ? 1.0 : options.minimumAlpha + (1.0 - options.minimumAlpha) * t;
    put(rgba, p, mix(options.background, colour, alpha));
  }
}

void shadePixels(const PixelSums& sums, const ShadeOptions& options, std::vector<uint8_t>& rgba) {
  rgba.resize(sums.count.size() * 4);
  const std::vector<float> intensity =
      options.drawPoints ? std::vector<float>{} : countIntensity(sums.count, options.scale);
  shadeRows(sums, options, intensity, 0, sums.height, rgba.data());
}

}  // namespace strata
