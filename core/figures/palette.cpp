#include "core/figures/palette.h"

#include <algorithm>
#include <array>
#include <cmath>

namespace strata {

QColor categoricalColor(int index) {
  // Tableau 10 followed by a set chosen to stay apart from it; beyond, hue rotation.
  static const std::array<QRgb, 20> kColors = {0x4e79a7, 0xf28e2b, 0xe15759, 0x76b7b2, 0x59a14f,
                                               0xedc948, 0xb07aa1, 0xff9da7, 0x9c755f, 0xbab0ac,
                                               0x1f3b73, 0x8c564b, 0x17becf, 0xbcbd22, 0x7f3c8d,
                                               0x11a579, 0x3969ac, 0xf2b701, 0xe73f74, 0x80ba5a};
  if (index < 0) return QColor(0x80, 0x80, 0x80);
  if (index < int(kColors.size())) return QColor(kColors[size_t(index)]);
  const double golden = 0.618033988749895;
  const double hue = std::fmod(index * golden, 1.0);
  return QColor::fromHsvF(float(hue), 0.65f, 0.85f);
}

QColor viridis(double t) {
  // Samples of matplotlib's viridis at 0, 1/8, ..., 1, linearly interpolated.
  static const std::array<std::array<double, 3>, 9> kStops = {{{0.267, 0.005, 0.329},
                                                               {0.279, 0.175, 0.483},
                                                               {0.230, 0.322, 0.546},
                                                               {0.173, 0.449, 0.558},
                                                               {0.128, 0.567, 0.551},
                                                               {0.158, 0.684, 0.502},
                                                               {0.369, 0.789, 0.383},
                                                               {0.678, 0.864, 0.190},
                                                               {0.993, 0.906, 0.144}}};
  t = std::clamp(std::isfinite(t) ? t : 0.0, 0.0, 1.0) * 8.0;
  const int i = std::min(int(t), 7);
  const double f = t - i;
  auto mix = [&](int c) {
    return kStops[size_t(i)][size_t(c)] * (1 - f) + kStops[size_t(i) + 1][size_t(c)] * f;
  };
  return QColor::fromRgbF(float(mix(0)), float(mix(1)), float(mix(2)));
}

QColor diverging(double r) {
  if (std::isnan(r)) return {200, 200, 200};  // a constant unit has no correlation
  const double t = std::clamp(std::abs(r), 0.0, 1.0);
  const QColor end = r < 0 ? QColor(33, 102, 172) : QColor(178, 24, 43);
  auto mix = [t](int white, int c) { return int(std::lround(white + (c - white) * t)); };
  return {mix(247, end.red()), mix(247, end.green()), mix(247, end.blue())};
}

}  // namespace strata
