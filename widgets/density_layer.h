#pragma once
// How ScatterView draws a large 2-D cloud: an exact density picture of every point, made for
// each frame on the frame pool and shown as the renderer's background texture, with the
// selection drawn into it; points come back as points when the view shows few enough.
// Hover and lasso go through a point grid built once on a worker. VTK stays in the .cpp.

#include <QObject>
#include <QPointer>

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "core/numeric/density_raster.h"

class vtkRenderer;
class vtkWindow;

namespace strata {

class PointGrid;

class DensityLayer {
 public:
  // `context` receives the grid when a worker has built it (queued to its thread).
  explicit DensityLayer(QObject* context);
  ~DensityLayer();

  // Shares the coordinates ([n, stride], x and y first); they stay alive while in use here
  // (until releaseOriginal) and on the worker building the grid.
  void setPoints(std::shared_ptr<const std::vector<float>> coords, int stride);
  // Colours, taken over from the owner, who asks for them back (categorySlots, pointValues)
  // when VTK draws the points.
  void setCategories(std::shared_ptr<const std::vector<uint16_t>> slots, std::vector<Rgb> palette);
  void setValues(std::shared_ptr<const std::vector<float>> values, float low, float high,
                 std::vector<Rgb> colours);
  void setPlain();
  void setVisible(const std::vector<char>* visible);  // nullptr or empty: all
  // Borrowed, as the visibility is: the owner keeps the indices alive and valid (each in
  // [0, points)) while they are set, and sets them again after changing them (a lasso's
  // millions of indices are not copied). nullptr: no selection.
  void setSelection(const std::vector<int>* indices);
  bool gridReady() const;
  // Called on the context's thread when a grid has arrived.
  void setGridReadyHandler(std::function<void()> handler);

  // Drops this layer's share of the 2-D coordinates in their own order once the grid-ordered
  // copy exists: frames, hover and lasso read only that copy, and the points' own indices
  // come from the grid's order. The colours in their own order go too, once copied into the
  // grid's order (the layer is then their only holder). False (nothing dropped) before, or
  // for 3-D coordinates.
  bool releaseOriginal();
  // Undoes releaseOriginal (for VTK's point path): the coordinates, and the colours, in the
  // points' own order again, rebuilt from the grid-ordered copies (NaN coordinates and no
  // colour for non-finite points) and kept from then on. Returns the coordinates.
  std::shared_ptr<const std::vector<float>> restoreOriginal();
  // The colours in the points' own order (nullptr for another colouring, or once released
  // and copied into the grid's order by the next frame or query).
  std::shared_ptr<const std::vector<uint16_t>> categorySlots() const;
  std::shared_ptr<const std::vector<float>> pointValues() const;
  // x and y of points by their own index (NaN for non-finite or unknown ones). Once the
  // coordinates are released this is one pass over the grid's order (milliseconds at ten
  // million points), so ask for many points at once, not one by one.
  std::vector<std::array<float, 2>> positions(const std::vector<int>& indices) const;

  // Shows (or stops showing) the picture under what `renderer` draws.
  void attach(vtkRenderer* renderer);
  void detach();
  // Frees the picture's GL objects while `window`'s context is current (before it goes).
  void releaseGraphics(vtkWindow* window);

  struct Frame {
    int64_t pointsInView = 0;
    bool drawnAsPoints = false;
    bool shifted = false;  // a whole-pixel pan: the last sums moved, only new strips binned
    double accumulateMs = 0, shadeMs = 0;
  };
  // Makes the picture for a width x height display under `transform` (its offset snapped to
  // whole pixels from the last frame's while only panning; shownTransform says what was used).
  Frame render(const ScreenTransform& transform, int width, int height);
  // The transform of the picture last made (hover and lasso use it, so they match what is
  // drawn); `fallback` before the first frame.
  ScreenTransform shownTransform(const ScreenTransform& fallback) const;

  // Nearest visible point within `radius` display pixels of (u, v), or -1.
  int64_t nearest(const ScreenTransform& transform, double u, double v, double radius) const;
  // Visible points inside a display polygon, ascending.
  std::vector<int> inside(const ScreenTransform& transform,
                          const std::vector<std::pair<double, double>>& polygon) const;

  // Bytes the layer holds: the grid, the grid-ordered copies, the colours while it holds them
  // in their own order, frame buffers and the picture (not the coordinates it shares).
  size_t memoryBytes() const;

  // Views showing at most this many points draw them as squares of kPointSide pixels.
  static constexpr int64_t kPointDrawLimit = 100000;
  static constexpr int kPointSide = 4;

 private:
  struct Impl;
  std::unique_ptr<Impl> d;
};

}  // namespace strata
