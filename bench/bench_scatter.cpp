// Scatter frames in the map view (1284 x 900, software GL under Xvfb when no GPU) at 200,000,
// 1,000,000 and 10,000,000 points in ten categories: the first frame after the coordinates
// are in memory, frames while panning and zooming, hover and lasso over every point, the
// view's memory against the coordinates, and how long the point grid takes on its worker.
// The same clouds through VTK's point path (density drawing off) where it finishes in
// reasonable time. Run under xvfb-run; prints JSON lines. Usage: bench_scatter [MAX_POINTS]
// [--density-only] [--shots DIR] (pictures of each cloud, for looking at).

#include <QApplication>
#include <QElapsedTimer>
#include <QMouseEvent>
#include <QWheelEvent>

#include <algorithm>
#include <cmath>
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

struct Spread {
  double median = 0, low = 0, high = 0;
};

Spread spread(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return {v[v.size() / 2], v.front(), v.back()};
}

// Ten clusters of different sizes and spreads on a 5 x 2 grid, with a sparse background: a
// map whose density spans several orders of magnitude, as real embeddings do.
void makeCloud(int64_t n, std::vector<float>& xy, std::vector<int>& labels) {
  xy.resize(size_t(n) * 2);
  labels.resize(size_t(n));
  std::mt19937 rng(1);
  std::normal_distribution<float> normal;
  std::uniform_real_distribution<float> uniform(-3.0f, 19.0f);
  for (int64_t i = 0; i < n; ++i) {
    const int c = int(i % 10);
    labels[size_t(i)] = c;
    if (i % 50 == 0) {
      xy[size_t(i) * 2] = uniform(rng);
      xy[size_t(i) * 2 + 1] = uniform(rng) * 0.4f;
      continue;
    }
    const float scale = 0.4f + 0.15f * float(c);
    xy[size_t(i) * 2] = normal(rng) * scale + 4.0f * float(c % 5);
    xy[size_t(i) * 2 + 1] = normal(rng) * scale * 0.6f + (c >= 5 ? 4.0f : 0.0f);
  }
}

void drag(ScatterView& view, QPoint from, QPoint to, std::vector<double>& frames) {
  auto send = [&](QEvent::Type type, QPointF at, Qt::MouseButton button, Qt::MouseButtons held) {
    QMouseEvent event(type, at, view.mapToGlobal(at), button, held, Qt::NoModifier);
    QApplication::sendEvent(&view, &event);
  };
  send(QEvent::MouseButtonPress, from, Qt::LeftButton, Qt::LeftButton);
  for (int step = 1; step <= 10; ++step) {
    const QPointF at = from + (to - from) * (step / 10.0);
    send(QEvent::MouseMove, at, Qt::NoButton, Qt::LeftButton);
    frames.push_back(renderMs(view));
  }
  send(QEvent::MouseButtonRelease, to, Qt::LeftButton, Qt::NoButton);
}

// Every zoom step bins every point again; `binning` gets the time that took.
// The rest of each frame goes to `others`: {shading, VTK's render, everything else}.
void wheel(ScatterView& view, QPointF at, int delta, std::vector<double>& frames,
           std::vector<double>& binning, double others[3]) {
  QWheelEvent event(at, view.mapToGlobal(at), QPoint(), QPoint(0, delta), Qt::NoButton,
                    Qt::NoModifier, Qt::NoScrollPhase, false);
  QApplication::sendEvent(&view, &event);
  frames.push_back(renderMs(view));
  const ScatterView::FrameInfo frame = view.lastFrame();
  binning.push_back(frame.binMs);
  others[0] += frame.shadeMs;
  others[1] += frame.vtkMs;
  others[2] += frames.back() - frame.binMs - frame.shadeMs - frame.vtkMs;
}

void report(const char* impl, int64_t n, const char* what, const Spread& s) {
  std::printf(
      "{\"impl\": \"%s\", \"what\": \"%s\", \"points\": %lld, \"median_ms\": %.1f, "
      "\"min_ms\": %.1f, \"max_ms\": %.1f}\n",
      impl, what, static_cast<long long>(n), s.median, s.low, s.high);
  std::fflush(stdout);
}

void measure(ScatterView& view, int64_t n, bool density, const QString& shots) {
  std::vector<float> xy;
  std::vector<int> labels;
  makeCloud(n, xy, labels);
  const char* impl = density ? "strata" : "vtk-points";
  view.setDensityThreshold(density ? 100000 : (int64_t(1) << 40));
  QElapsedTimer t;
  t.start();
  view.setPoints(std::make_shared<const std::vector<float>>(std::move(xy)), 2);
  view.setCategoryColors(labels, {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"});
  renderMs(view);
  report(impl, n, "first_frame", {double(t.nsecsElapsed()) / 1e6, 0, 0});
  // Frames before the point grid is there read the points in their own order; after, cell by
  // cell. The frames below are measured with the grid, as a user sees them a second later.
  if (density) {
    view.resetCamera();
    renderMs(view);
    report(impl, n, "frame_before_grid", {renderMs(view), 0, 0});
    QElapsedTimer grid;
    grid.start();
    while (!view.pickingIndexed()) QCoreApplication::processEvents(QEventLoop::AllEvents, 5);
    report(impl, n, "grid_ready_after", {double(t.nsecsElapsed()) / 1e6, 0, 0});
  }
  if (!shots.isEmpty())
    view.grabFramebuffer().save(QStringLiteral("%1/%2-%3.png").arg(shots, impl).arg(n));

  std::vector<double> full;
  for (int r = 0; r < 5; ++r) {
    view.resetCamera();
    full.push_back(renderMs(view));
  }
  report(impl, n, "full_frame", spread(full));
  if (density)
    std::printf(
        "{\"impl\": \"%s\", \"what\": \"frame_parts\", \"points\": %lld, \"bin_ms\": %.1f, "
        "\"shade_ms\": %.1f, \"vtk_ms\": %.1f}\n",
        impl, static_cast<long long>(n), view.lastFrame().binMs, view.lastFrame().shadeMs,
        view.lastFrame().vtkMs);
  // A slow path draws only a few frames of each gesture.
  const bool slow = !density && n > 1000000;
  std::vector<double> pan;
  drag(view, QPoint(400, 400), QPoint(slow ? 420 : 700, 500), pan);
  if (!slow) drag(view, QPoint(700, 500), QPoint(400, 400), pan);
  report(impl, n, "pan_frame", spread(pan));
  std::vector<double> zoom, binning;
  double others[3] = {0, 0, 0};
  for (int i = 0; i < (slow ? 2 : 8); ++i)
    wheel(view, QPointF(642, 450), 120, zoom, binning, others);
  if (!shots.isEmpty())
    view.grabFramebuffer().save(QStringLiteral("%1/%2-%3-zoomed.png").arg(shots, impl).arg(n));
  for (int i = 0; i < (slow ? 2 : 8); ++i)
    wheel(view, QPointF(642, 450), -120, zoom, binning, others);
  report(impl, n, "zoom_frame", spread(zoom));
  if (density)
    std::printf(
        "{\"impl\": \"%s\", \"what\": \"zoom_parts\", \"points\": %lld, \"shade_ms\": %.1f, "
        "\"vtk_ms\": %.1f, \"other_ms\": %.1f}\n",
        impl, static_cast<long long>(n), others[0] / double(zoom.size()),
        others[1] / double(zoom.size()), others[2] / double(zoom.size()));
  if (density) report(impl, n, "zoom_binning", spread(binning));
  if (!density) return;

  view.resetCamera();
  renderMs(view);
  std::vector<double> hover;
  for (int i = 0; i < 20; ++i) {
    QElapsedTimer h;
    h.start();
    view.pointAt(QPoint(300 + 30 * i, 300 + 10 * i));
    hover.push_back(double(h.nsecsElapsed()) / 1e6);
  }
  report(impl, n, "hover", spread(hover));
  const QPolygonF lasso({QPointF(150, 800), QPointF(500, 120), QPointF(900, 200),
                         QPointF(1200, 700), QPointF(700, 850)});
  std::vector<double> select;
  size_t selected = 0;
  for (int i = 0; i < 5; ++i) {
    QElapsedTimer l;
    l.start();
    selected = view.pointsInside(lasso).size();
    select.push_back(double(l.nsecsElapsed()) / 1e6);
  }
  report(impl, n, "lasso", spread(select));
  const double coordinateBytes = double(n) * 2 * sizeof(float);
  std::printf(
      "{\"impl\": \"%s\", \"what\": \"memory\", \"points\": %lld, \"lasso_selected\": %zu, "
      "\"view_bytes\": %zu, \"view_over_coordinates\": %.2f}\n",
      impl, static_cast<long long>(n), selected, view.drawingBytes(),
      double(view.drawingBytes()) / coordinateBytes);
  // What a user waits for after releasing the mouse: the query, the selection handed to the
  // view, and the frame that shows it.
  std::vector<double> shown;
  for (int i = 0; i < 3; ++i) {
    view.setSelection({});
    renderMs(view);
    QElapsedTimer l;
    l.start();
    view.setSelection(view.pointsInside(lasso));
    renderMs(view);
    shown.push_back(double(l.nsecsElapsed()) / 1e6);
  }
  report(impl, n, "lasso_to_frame", spread(shown));
  std::printf(
      "{\"impl\": \"%s\", \"what\": \"memory_with_selection\", \"points\": %lld, "
      "\"selected\": %zu, \"view_bytes\": %zu, \"view_over_coordinates\": %.2f}\n",
      impl, static_cast<long long>(n), view.selection().size(), view.drawingBytes(),
      double(view.drawingBytes()) / coordinateBytes);
  view.setSelection({});
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  setDefaultSurfaceFormat();
  QApplication app(argc, argv);
  const QStringList args = app.arguments();
  int64_t maxPoints = 10000000;
  QString shots;
  bool peers = true;
  for (int i = 1; i < args.size(); ++i) {
    if (args[i] == "--density-only")
      peers = false;
    else if (args[i] == "--shots" && i + 1 < args.size())
      shots = args[++i];
    else
      maxPoints = args[i].toLongLong();
  }
  ScatterView view;
  view.resize(1284, 900);
  view.show();
  app.processEvents();
  for (int64_t n : {int64_t(200000), int64_t(1000000), int64_t(10000000)}) {
    if (n > maxPoints) break;
    measure(view, n, true, shots);
    // VTK's point path at 10 M takes seconds a frame: measured once at 1 M and below.
    if (peers && n <= 1000000) measure(view, n, false, shots);
    app.processEvents();
  }
  return 0;
}
