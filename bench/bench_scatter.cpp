// Scatter frame times in the VTK view at 100,000 and 1,000,000 points (1284 x 900 viewport,
// software GL under Xvfb when no GPU): the first frame, a full frame after a camera change,
// and a frame while interacting (subsampled). Run under xvfb-run; prints JSON lines.

#include <QApplication>
#include <QElapsedTimer>

#include <algorithm>
#include <cstdio>
#include <random>

#include "widgets/gl_format.h"
#include "widgets/scatter_view.h"

using namespace strata;

namespace {

double renderMs(ScatterView& view) {
  QElapsedTimer t;
  t.start();
  view.grabFramebuffer();  // runs paintGL, which renders with VTK
  return double(t.nsecsElapsed()) / 1e6;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  setDefaultSurfaceFormat();
  QApplication app(argc, argv);
  ScatterView view;
  view.resize(1284, 900);
  view.show();
  app.processEvents();
  std::mt19937 rng(1);
  std::normal_distribution<float> normal;
  for (int n : {100000, 1000000}) {
    std::vector<float> xy(size_t(n) * 2);
    std::vector<int> labels(static_cast<size_t>(n));
    for (int i = 0; i < n; ++i) {
      labels[size_t(i)] = i % 10;
      // Ten clusters on a 5 x 2 grid.
      xy[size_t(i) * 2] = normal(rng) + 4.0f * float(i % 5);
      xy[size_t(i) * 2 + 1] = normal(rng) + (i % 10 >= 5 ? 4.0f : 0.0f);
    }
    QElapsedTimer t;
    t.start();
    view.setPoints(xy, 2);
    view.setCategoryColors(labels, {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"});
    renderMs(view);
    const double first = double(t.nsecsElapsed()) / 1e6;
    std::vector<double> full, moving;
    for (int r = 0; r < 7; ++r) {
      view.resetCamera();
      full.push_back(renderMs(view));
    }
    view.setInteracting(true);
    for (int r = 0; r < 7; ++r) {
      view.resetCamera();
      moving.push_back(renderMs(view));
    }
    view.setInteracting(false);
    std::printf(
        "{\"impl\": \"strata\", \"what\": \"scatter\", \"points\": %d, \"first_frame_ms\": %.1f, "
        "\"frame_ms\": %.1f, \"interactive_frame_ms\": %.1f}\n",
        n, first, median(full), median(moving));
    std::fflush(stdout);
  }
  return 0;
}
