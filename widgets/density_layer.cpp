#include "widgets/density_layer.h"

#include <QElapsedTimer>
#include <QMetaObject>
#include <QThreadPool>

#include <vtkCallbackCommand.h>
#include <vtkNew.h>
#include <vtkOpenGLFramebufferObject.h>
#include <vtkOpenGLRenderWindow.h>
#include <vtkOpenGLState.h>
#include <vtkRenderer.h>
#include <vtkTextureObject.h>
#include <vtk_glew.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <utility>

#include "core/base/thread_pools.h"
#include "core/numeric/point_grid.h"

namespace strata {
namespace {

// The grid, and x and y in its order, arrive from a worker; a newer setPoints makes them
// stale. `arrived` tells the layer's owner (cleared when the layer goes).
struct GridSlot {
  uint64_t generation = 0;
  std::shared_ptr<const PointGrid> grid;
  std::shared_ptr<const std::vector<float>> sortedXY;  // [n, 2] cell by cell
  std::function<void()> arrived;
};

const Rgb kSelected{25, 25, 25};
constexpr int kSelectedSide = 6;

double millisecondsSince(const QElapsedTimer& timer) {
  return double(timer.nsecsElapsed()) / 1e6;
}

}  // namespace

struct DensityLayer::Impl {
  QPointer<QObject> context;
  // The coordinates in their own order, until releaseOriginal: from then on the grid-ordered
  // copy is the only one, and the points' own indices come from the grid's order.
  std::shared_ptr<const std::vector<float>> coords;
  int64_t pointCount = 0;
  int stride = 2;
  std::function<void()> gridReady;
  std::shared_ptr<GridSlot> slot = std::make_shared<GridSlot>();
  const PointGrid emptyGrid;

  Colouring colouring = Colouring::Count;
  // The colours in the points' own order. Once the coordinates are released these go too as
  // soon as their grid-ordered copies are made (mutable: a query may make them).
  mutable std::shared_ptr<const std::vector<uint16_t>> slots;
  std::vector<Rgb> palette;
  mutable std::shared_ptr<const std::vector<float>> values;
  bool released = false;  // releaseOriginal since the last setPoints
  ShadeOptions shade;
  std::vector<Rgb> valueColours;
  const std::vector<char>* visible = nullptr;
  const std::vector<int>* selection = nullptr;  // borrowed from the view

  // Frames read the points cell by cell: consecutive points then land in nearby pixels, and
  // a zoomed-in frame reads only the cells it shows, in order. The per-point columns follow
  // the grid's order, rebuilt when they or the grid change (also on a query's demand).
  // A byte per point when the palette has at most 256 colours (10 MB at ten million points).
  mutable std::vector<uint16_t> sortedSlots;
  mutable std::vector<uint8_t> sortedSlotBytes;
  mutable std::vector<float> sortedValues;
  mutable std::vector<char> sortedVisible;
  mutable const GridSlot* sortedFor = nullptr;
  mutable bool coloursChanged = true, visibilityChanged = true;

  // A pan shifts these in place (no second frame of sums is kept).
  PixelSums sums;
  // The selection's own sums, kept like the picture's when it is large.
  PixelSums selectedSums;
  std::vector<char> sortedSelected;  // a large selection, in the grid's order
  std::vector<uint32_t> selectedAt;  // a small one: its points' grid positions
  const GridSlot* selectedFor = nullptr;
  bool selectionChanged = true, selectionCurrent = false;
  ScreenTransform selectionShown;
  // What `sums` holds: the transform (whole-pixel pans of it shift the sums), and whether it
  // is still current (any change to the points or their colours makes it stale).
  ScreenTransform shown;
  bool sumsCurrent = false, sumsArePoints = false;
  std::function<void()> startGrid;  // set by setPoints, run after the first frame
  // The picture goes into VTK's frame as a framebuffer copy before the renderer draws the
  // overlays on it (the renderer keeps the colour buffer instead of clearing it). Software GL
  // copies pixels; sampling a texture over the whole view cost it 10-20 ms a frame more.
  std::vector<uint8_t> picture;  // RGBA, rows bottom-up
  int pictureWidth = 0, pictureHeight = 0;
  bool pictureChanged = false;
  vtkNew<vtkTextureObject> pictureTexture;
  vtkNew<vtkOpenGLFramebufferObject> pictureFramebuffer;
  vtkNew<vtkCallbackCommand> drawCallback;
  unsigned long drawObserver = 0;
  vtkRenderer* renderer = nullptr;

  // Runs as the renderer starts, with VTK's frame bound for drawing.
  void copyPictureIntoFrame() {
    auto* window = vtkOpenGLRenderWindow::SafeDownCast(renderer->GetRenderWindow());
    if (!window || picture.empty()) return;
    pictureTexture->SetContext(window);
    if (pictureChanged || pictureTexture->GetWidth() != unsigned(pictureWidth) ||
        pictureTexture->GetHeight() != unsigned(pictureHeight)) {
      pictureTexture->Create2DFromRaw(unsigned(pictureWidth), unsigned(pictureHeight),
                                      kPictureChannels, VTK_UNSIGNED_CHAR, picture.data());
      pictureChanged = false;
    }
    vtkOpenGLState* state = window->GetState();
    state->PushReadFramebufferBinding();
    pictureFramebuffer->SetContext(window);
    pictureFramebuffer->Bind(vtkOpenGLFramebufferObject::GetReadMode());
    pictureFramebuffer->AddColorAttachment(0, pictureTexture);
    pictureFramebuffer->ActivateReadBuffer(0);
    const int extent[4] = {0, pictureWidth, 0, pictureHeight};
    state->vtkglDisable(GL_SCISSOR_TEST);
    vtkOpenGLFramebufferObject::Blit(extent, extent, GL_COLOR_BUFFER_BIT, GL_NEAREST);
    state->PopReadFramebufferBinding();
  }

  // The columns in the points' own order; xy is unset once the coordinates are released.
  PointColumns columns() const {
    PointColumns c;
    c.count = pointCount;
    if (coords) {
      c.xy = coords->data();
      c.stride = stride;
    }
    if (colouring == Colouring::Category && slots && slots->size() == size_t(c.count))
      c.colourSlot = slots->data();
    if (colouring == Colouring::Value && values && values->size() == size_t(c.count))
      c.value = values->data();
    if (visible && visible->size() == size_t(c.count)) c.visible = visible->data();
    return c;
  }

  const PointGrid& grid() const { return slot->grid ? *slot->grid : emptyGrid; }

  // The share [first, last) of `total` items that part `part` of `parts` takes.
  static std::pair<size_t, size_t> partOf(size_t total, int part, int parts) {
    return {total * size_t(part) / size_t(parts), total * size_t(part + 1) / size_t(parts)};
  }

  // into[k] = from[order[k]]: scattered reads, split over the frame threads when there are
  // millions (a selection is gathered on the frame that first shows it). Into a narrower type
  // (category slots under a palette of 256) values are clamped to it, as binning clamps slots
  // to the palette.
  template <typename From, typename Into>
  static void gather(const From* from, const std::vector<uint32_t>& order,
                     std::vector<Into>& into) {
    if (!from) {
      std::vector<Into>().swap(into);
      return;
    }
    into.resize(order.size());
    const int parts = order.size() > 1000000 ? frameParts() : 1;
    runFrameParts(parts, [&](int part) {
      const auto [first, last] = partOf(order.size(), part, parts);
      for (size_t k = first; k < last; ++k) {
        if constexpr (sizeof(Into) < sizeof(From))  // clamped as binning clamps to the palette
          into[k] = Into(std::min<From>(from[order[k]], std::numeric_limits<Into>::max()));
        else
          into[k] = from[order[k]];
      }
    });
  }

  // The columns in the grid's order, or nullptr columns (xy unset) before the grid exists.
  PointColumns sortedColumns() const {
    PointColumns c;
    if (!slot->grid || !slot->sortedXY) return c;
    const PointColumns original = columns();
    const std::vector<uint32_t>& order = slot->grid->order();
    if (sortedFor != slot.get()) coloursChanged = visibilityChanged = true;
    sortedFor = slot.get();
    if (coloursChanged) {
      const bool bytes = palette.size() <= 256;
      gather(bytes ? nullptr : original.colourSlot, order, sortedSlots);
      gather(bytes ? original.colourSlot : nullptr, order, sortedSlotBytes);
      gather(original.value, order, sortedValues);
      coloursChanged = false;
    }
    if (visibilityChanged) {
      gather(original.visible, order, sortedVisible);
      visibilityChanged = false;
    }
    // Released: the grid-ordered copies are the colours from now on (kept when none could be
    // made, e.g. an array of the wrong length, so nothing is lost).
    if (released && (!sortedSlots.empty() || !sortedSlotBytes.empty())) slots.reset();
    if (released && !sortedValues.empty()) values.reset();
    c.xy = slot->sortedXY->data();
    c.count = int64_t(slot->sortedXY->size() / 2);
    // By the colouring, not the originals' presence: those may be gone.
    if (colouring == Colouring::Category && !sortedSlots.empty()) c.colourSlot = sortedSlots.data();
    if (colouring == Colouring::Category && !sortedSlotBytes.empty())
      c.colourSlotByte = sortedSlotBytes.data();
    if (colouring == Colouring::Value && !sortedValues.empty()) c.value = sortedValues.data();
    if (original.visible) c.visible = sortedVisible.data();
    return c;
  }

  struct Region {
    int x0, x1, y0, y1;
  };

  // The points a frame reads: in the grid's order once the grid exists (binned cell by cell),
  // else as given (every point scanned).
  struct Source {
    PointColumns columns;
    bool useGrid = false;
  };
  Source frameSource() const {
    const PointColumns sorted = sortedColumns();
    return sorted.xy ? Source{sorted, true} : Source{columns(), false};
  }

  // Bins the visible points that fall in `region` into `into` (sized, and clear there), one
  // band of the region's rows per frame part: the cells each band shows, in the grid's
  // order, or every point before the grid exists.
  int64_t binRegion(const Source& source, const RasterRequest& request, PixelSums& into,
                    Region region, bool clearFirst) {
    const PointColumns& columns = source.columns;
    const bool useGrid = source.useGrid;
    const int rows = region.y1 - region.y0;
    if (rows <= 0 || region.x1 <= region.x0) return 0;
    const int parts = std::min(frameParts(), std::max(1, rows / 16));
    std::vector<int64_t> inView(size_t(parts), 0);
    runFrameParts(parts, [&](int part) {
      RasterRequest band = request;
      band.rowBegin = region.y0 + rows * part / parts;
      band.rowEnd = region.y0 + rows * (part + 1) / parts;
      band.columnBegin = region.x0;
      band.columnEnd = region.x1;
      if (clearFirst) into.clearRows(band.rowBegin, band.rowEnd);
      if (!useGrid) {
        inView[size_t(part)] = accumulatePoints(columns, band, 0, columns.count, into);
        return;
      }
      const double margin = request.squareSide;
      for (auto [begin, end] : grid().rangesOnScreen(request.transform, band.columnBegin - margin,
                                                     band.columnEnd + margin,
                                                     band.rowBegin - margin, band.rowEnd + margin))
        inView[size_t(part)] += accumulatePoints(columns, band, begin, end, into);
    });
    int64_t total = 0;
    for (int64_t n : inView) total += n;
    return total;
  }

  // Points in the picture: the sum of its pixel counts (one pixel per point when binned as
  // density).
  int64_t countInView() const {
    const int parts = frameParts();
    std::vector<int64_t> partial(size_t(parts), 0);
    runFrameParts(parts, [&](int part) {
      const auto [first, last] = partOf(sums.pixels(), part, parts);
      for (size_t p = first; p < last; ++p) partial[size_t(part)] += sums.count(p);
    });
    int64_t total = 0;
    for (int64_t n : partial) total += n;
    return total;
  }

  int64_t binAll(const Source& source, const RasterRequest& request, PixelSums& into) {
    preparePixelSums(source.columns, request, into, false);
    into.pointsInView =
        binRegion(source, request, into, {0, request.width, 0, request.height}, true);
    return into.pointsInView;
  }

  // The frame before moved by (dx, dy) whole pixels: its sums shifted, and only the strips the
  // move uncovered binned. Exactly what binning every point under the moved transform gives.
  void shiftAndBinStrips(const Source& source, const RasterRequest& request, int dx, int dy,
                         PixelSums& sums) {
    shiftPixelSums(sums, dx, dy);
    const int w = request.width, h = request.height;
    // The uncovered columns over all rows, then the uncovered rows over the other columns.
    const Region columnsStrip = dx > 0 ? Region{0, dx, 0, h} : Region{std::max(w + dx, 0), w, 0, h};
    const Region rowsStrip = dy > 0 ? Region{0, w, 0, dy} : Region{0, w, std::max(h + dy, 0), h};
    if (dx != 0) binRegion(source, request, sums, columnsStrip, false);
    if (dy != 0)
      binRegion(source, request, sums,
                {dx > 0 ? dx : 0, dx < 0 ? w + dx : w, rowsStrip.y0, rowsStrip.y1}, false);
  }

  // Where a small selection's points are in the grid's order (one pass over the order; the
  // coordinates in their own order may be gone). Hidden points are skipped when binned.
  void locateSelection() {
    if (selectedFor == slot.get() && !selectionChanged) return;
    std::vector<char> byIndex(size_t(pointCount), 0);
    for (int i : *selection) byIndex[size_t(i)] = 1;
    const std::vector<uint32_t>& order = slot->grid->order();
    selectedAt.clear();
    for (size_t k = 0; k < order.size(); ++k)
      if (byIndex[order[k]]) selectedAt.push_back(uint32_t(k));
    selectedFor = slot.get();
    selectionChanged = false;
  }

  // The selection in the grid's order (1: selected and visible), for large selections.
  void sortSelection(const PointColumns& original) {
    if (selectedFor == slot.get() && !selectionChanged) return;
    std::vector<char> byIndex(size_t(original.count), 0);
    for (int i : *selection) byIndex[size_t(i)] = char(!original.visible || original.visible[i]);
    gather(byIndex.data(), slot->grid->order(), sortedSelected);
    selectedFor = slot.get();
    selectionChanged = false;
    selectionCurrent = false;
  }

  // Pixels holding a selected point are painted dark over the shaded picture. A selection of
  // an eighth of the points or more is binned like the picture (cell by cell, and shifted
  // with it on a pan); a smaller one point by point.
  void drawSelection(const Source& source, const PointColumns& unsorted, RasterRequest request,
                     const ScreenTransform& before, bool shifted, uint8_t* rgb) {
    if (!selection || selection->empty()) {
      // Nothing selected: the selection's buffers (tens of MB at ten million points) go.
      selectedSums = PixelSums{};
      std::vector<char>().swap(sortedSelected);
      std::vector<uint32_t>().swap(selectedAt);
      selectedFor = nullptr;
      return;
    }
    request.colouring = Colouring::Count;
    request.squareSide = request.squareSide > 0 ? kSelectedSide : 0;
    const bool masked = source.useGrid && selection->size() * 8 >= size_t(source.columns.count);
    if (!masked) {
      PointColumns plain = source.useGrid ? source.columns : unsorted;
      plain.colourSlot = nullptr;
      plain.colourSlotByte = nullptr;
      plain.value = nullptr;
      preparePixelSums(plain, request, selectedSums);
      if (source.useGrid) {
        locateSelection();
        accumulatePoints(plain, request, 0, int64_t(selectedAt.size()), selectedSums,
                         selectedAt.data());
      } else {
        // The indices are valid, so non-negative: read as the unsigned indices binning takes.
        accumulatePoints(plain, request, 0, int64_t(selection->size()), selectedSums,
                         reinterpret_cast<const uint32_t*>(selection->data()));
      }
      selectionCurrent = false;
    } else {
      sortSelection(unsorted);
      Source selected = source;
      selected.columns.colourSlot = nullptr;
      selected.columns.colourSlotByte = nullptr;
      selected.columns.value = nullptr;
      selected.columns.visible = sortedSelected.data();
      const ScreenTransform& t = request.transform;
      const bool followsPan = selectionCurrent && shifted && request.squareSide == 0 &&
                              selectionShown.a == before.a && selectionShown.c == before.c &&
                              selectionShown.e == before.e && selectionShown.f == before.f &&
                              selectedSums.width == request.width &&
                              selectedSums.height == request.height;
      const int dx = int(t.c - before.c), dy = int(t.f - before.f);
      if (!followsPan)
        binAll(selected, request, selectedSums);
      else if (dx != 0 || dy != 0)
        shiftAndBinStrips(selected, request, dx, dy, selectedSums);
      selectionShown = t;
      selectionCurrent = request.squareSide == 0;
    }
    for (size_t p = 0; p < selectedSums.pixels(); ++p)
      if (selectedSums.count(p)) {
        uint8_t* out = rgb + size_t(kPictureChannels) * p;
        out[0] = kSelected.r;
        out[1] = kSelected.g;
        out[2] = kSelected.b;
      }
  }

  uint8_t* pictureBuffer(int width, int height) {
    pictureWidth = width;
    pictureHeight = height;
    picture.resize(size_t(width) * size_t(height) * kPictureChannels);
    pictureChanged = true;
    return picture.data();
  }
};

DensityLayer::DensityLayer(QObject* context) : d(new Impl) {
  d->context = context;
  d->drawCallback->SetClientData(d.get());
  d->drawCallback->SetCallback([](vtkObject*, unsigned long, void* impl, void*) {
    static_cast<Impl*>(impl)->copyPictureIntoFrame();
  });
}

DensityLayer::~DensityLayer() {
  d->slot->arrived = nullptr;
  detach();
}

void DensityLayer::setPoints(std::shared_ptr<const std::vector<float>> coords, int stride) {
  d->coords = std::move(coords);
  d->released = false;
  d->stride = std::max(stride, 2);
  d->pointCount = d->coords ? int64_t(d->coords->size() / size_t(d->stride)) : 0;
  setPlain();
  d->selection = nullptr;
  d->selectionChanged = true;
  d->sumsCurrent = false;
  d->visible = nullptr;
  // A fresh slot: a grid still being built for the previous points lands in the old one.
  const uint64_t generation = d->slot->generation + 1;
  d->slot->arrived = nullptr;
  d->slot = std::make_shared<GridSlot>();
  d->slot->generation = generation;
  d->slot->arrived = [impl = d.get()] {
    if (impl->gridReady) impl->gridReady();
  };
  d->startGrid = nullptr;
  if (!d->coords || d->coords->empty()) return;
  // The grid is built after the first frame is on screen, so that frame has both cores.
  std::shared_ptr<const std::vector<float>> shared = d->coords;
  std::shared_ptr<GridSlot> target = d->slot;
  QPointer<QObject> context = d->context;
  const int pointStride = d->stride;
  d->startGrid = [shared, target, context, pointStride, generation] {
    jobPool().start([shared, target, context, pointStride, generation] {
      PointColumns columns;
      columns.xy = shared->data();
      columns.stride = pointStride;
      columns.count = int64_t(shared->size() / size_t(pointStride));
      auto grid = std::make_shared<const PointGrid>(columns);
      auto sorted = std::make_shared<const std::vector<float>>(gatherInGridOrder(columns, *grid));
      if (!context) return;
      QMetaObject::invokeMethod(
          context,
          [target, grid, sorted, generation] {
            if (target->generation != generation) return;
            target->grid = grid;
            target->sortedXY = sorted;
            if (target->arrived) target->arrived();
          },
          Qt::QueuedConnection);
    });
  };
}

void DensityLayer::setCategories(std::shared_ptr<const std::vector<uint16_t>> slots,
                                 std::vector<Rgb> palette) {
  d->slots = std::move(slots);
  d->palette = std::move(palette);
  d->values.reset();
  d->colouring = Colouring::Category;
  d->coloursChanged = true;
  d->sumsCurrent = false;
}

void DensityLayer::setValues(std::shared_ptr<const std::vector<float>> values, float low,
                             float high, std::vector<Rgb> colours) {
  d->values = std::move(values);
  d->valueColours = std::move(colours);
  d->shade.valueLow = low;
  d->shade.valueHigh = high;
  d->slots.reset();
  d->colouring = Colouring::Value;
  d->coloursChanged = true;
  d->sumsCurrent = false;
}

void DensityLayer::setPlain() {
  d->slots.reset();
  d->values.reset();
  d->colouring = Colouring::Count;
  d->coloursChanged = true;
  d->sumsCurrent = false;
}

void DensityLayer::setVisible(const std::vector<char>* visible) {
  d->visible = visible && !visible->empty() ? visible : nullptr;
  d->selectionChanged = true;
  d->visibilityChanged = true;
  d->sumsCurrent = false;
}

void DensityLayer::setSelection(const std::vector<int>* indices) {
  d->selection = indices;
  d->selectionChanged = true;
  d->selectionCurrent = false;
}

bool DensityLayer::gridReady() const {
  return bool(d->slot->grid);
}

void DensityLayer::setGridReadyHandler(std::function<void()> handler) {
  d->gridReady = std::move(handler);
}

bool DensityLayer::releaseOriginal() {
  // Not for a cloud without a finite point: its grid holds nothing to answer from.
  if (!d->slot->grid || d->slot->grid->empty() || !d->slot->sortedXY || d->stride != 2)
    return false;
  d->coords.reset();
  d->released = true;
  return true;
}

namespace {

// into[order[k]] = sorted[k], `fill` for points the grid does not hold (non-finite ones).
template <typename T>
std::shared_ptr<const std::vector<T>> inOwnOrder(const std::vector<T>& sorted,
                                                 const std::vector<uint32_t>& order, int64_t count,
                                                 int width, T fill) {
  auto out = std::make_shared<std::vector<T>>(size_t(count) * size_t(width), fill);
  for (size_t k = 0; k < order.size(); ++k)
    for (int c = 0; c < width; ++c)
      (*out)[size_t(order[k]) * size_t(width) + size_t(c)] = sorted[k * size_t(width) + size_t(c)];
  return out;
}

}  // namespace

std::shared_ptr<const std::vector<float>> DensityLayer::restoreOriginal() {
  if (!d->released) return d->coords;
  const std::vector<uint32_t>& order = d->slot->grid->order();
  d->coords = inOwnOrder(*d->slot->sortedXY, order, d->pointCount, 2, float(NAN));
  if (d->colouring == Colouring::Category && !d->slots) {
    std::vector<uint16_t> wide(d->sortedSlotBytes.begin(), d->sortedSlotBytes.end());
    const std::vector<uint16_t>& sorted = d->sortedSlotBytes.empty() ? d->sortedSlots : wide;
    if (sorted.size() == order.size())
      d->slots = inOwnOrder(sorted, order, d->pointCount, 1, uint16_t(0));
  }
  if (d->colouring == Colouring::Value && !d->values && d->sortedValues.size() == order.size())
    d->values = inOwnOrder(d->sortedValues, order, d->pointCount, 1, float(NAN));
  d->released = false;
  return d->coords;
}

std::shared_ptr<const std::vector<uint16_t>> DensityLayer::categorySlots() const {
  return d->colouring == Colouring::Category ? d->slots : nullptr;
}

std::shared_ptr<const std::vector<float>> DensityLayer::pointValues() const {
  return d->colouring == Colouring::Value ? d->values : nullptr;
}

std::vector<std::array<float, 2>> DensityLayer::positions(const std::vector<int>& indices) const {
  std::vector<std::array<float, 2>> out(indices.size(), {NAN, NAN});
  if (d->coords) {
    for (size_t j = 0; j < indices.size(); ++j)
      if (indices[j] >= 0 && indices[j] < d->pointCount) {
        const float* p = d->coords->data() + size_t(indices[j]) * size_t(d->stride);
        out[j] = {p[0], p[1]};
      }
    return out;
  }
  if (!d->slot->grid || indices.empty()) return out;
  const std::vector<uint32_t>& order = d->slot->grid->order();
  const std::vector<float>& sorted = *d->slot->sortedXY;
  if (int64_t(indices.size()) * 4 >= d->pointCount) {
    // Many: all of them in their own order first (8 bytes a point, for the moment).
    const auto all = inOwnOrder(sorted, order, d->pointCount, 2, float(NAN));
    for (size_t j = 0; j < indices.size(); ++j)
      if (indices[j] >= 0 && indices[j] < d->pointCount)
        out[j] = {(*all)[2 * size_t(indices[j])], (*all)[2 * size_t(indices[j]) + 1]};
    return out;
  }
  // Few: one pass over the grid's order, a bit per point saying whether it is asked for.
  std::vector<uint64_t> asked(size_t(d->pointCount + 63) / 64, 0);
  std::vector<std::pair<uint32_t, size_t>> wanted;
  for (size_t j = 0; j < indices.size(); ++j)
    if (indices[j] >= 0 && indices[j] < d->pointCount) {
      asked[size_t(indices[j]) / 64] |= uint64_t(1) << (indices[j] % 64);
      wanted.emplace_back(uint32_t(indices[j]), j);
    }
  std::sort(wanted.begin(), wanted.end());
  for (size_t k = 0; k < order.size(); ++k) {
    const uint32_t i = order[k];
    if (!(asked[i / 64] >> (i % 64) & 1)) continue;
    auto at = std::lower_bound(wanted.begin(), wanted.end(), std::pair<uint32_t, size_t>{i, 0});
    for (; at != wanted.end() && at->first == i; ++at)
      out[at->second] = {sorted[2 * k], sorted[2 * k + 1]};
  }
  return out;
}

void DensityLayer::attach(vtkRenderer* renderer) {
  if (d->renderer == renderer) return;
  detach();
  d->renderer = renderer;
  renderer->PreserveColorBufferOn();
  d->drawObserver = renderer->AddObserver(vtkCommand::StartEvent, d->drawCallback);
}

void DensityLayer::releaseGraphics(vtkWindow* window) {
  d->pictureFramebuffer->ReleaseGraphicsResources(window);
  d->pictureTexture->ReleaseGraphicsResources(window);
  d->pictureChanged = true;  // uploaded again into the next context
}

void DensityLayer::detach() {
  if (!d->renderer) return;
  d->renderer->RemoveObserver(d->drawObserver);
  d->renderer->PreserveColorBufferOff();
  d->renderer = nullptr;
}

DensityLayer::Frame DensityLayer::render(const ScreenTransform& transform, int width, int height) {
  Frame frame;
  if (width <= 0 || height <= 0) return frame;
  QElapsedTimer timer;
  timer.start();
  // The grid-ordered columns first: making them may release the colours in their own order,
  // which the own-order columns below then no longer point to.
  const Impl::Source source = d->frameSource();
  const PointColumns columns = d->columns();
  const ScreenTransform before = d->shown;
  RasterRequest request;
  request.transform = transform;
  request.width = width;
  request.height = height;
  request.colouring = d->colouring;
  request.palette = &d->palette;
  // A pan at the same scale moves the picture by whole pixels (the offset snaps to the
  // previous frame's, at most half a pixel from the camera's): the sums shift and only the
  // uncovered strips are binned. Anything else bins every point again.
  const ScreenTransform& last = d->shown;
  const bool sameScale = d->sumsCurrent && !d->sumsArePoints && d->sums.width == width &&
                         d->sums.height == height && last.a == transform.a &&
                         last.b == transform.b && last.d == transform.d && last.e == transform.e;
  const double dx = std::round(transform.c - last.c), dy = std::round(transform.f - last.f);
  if (sameScale && std::abs(dx) < width && std::abs(dy) < height) {
    request.transform.c = last.c + dx;
    request.transform.f = last.f + dy;
    if (dx != 0 || dy != 0) d->shiftAndBinStrips(source, request, int(dx), int(dy), d->sums);
    frame.shifted = true;
    frame.pointsInView = -1;  // counted from the pixels below
  } else {
    frame.pointsInView = d->binAll(source, request, d->sums);
  }
  d->shown = request.transform;
  d->sumsCurrent = true;
  d->sumsArePoints = false;
  if (frame.pointsInView < 0) frame.pointsInView = d->countInView();
  if (frame.pointsInView <= kPointDrawLimit) {
    // Few enough to see one by one: squares, as a point renderer draws them.
    request.squareSide = kPointSide;
    d->binAll(source, request, d->sums);
    frame.drawnAsPoints = true;
    d->sumsArePoints = true;
  }
  frame.accumulateMs = millisecondsSince(timer);

  timer.restart();
  ShadeOptions options = d->shade;
  options.valueColours = &d->valueColours;
  options.drawPoints = frame.drawnAsPoints;
  const int parts = std::min(frameParts(), std::max(1, height / 16));
  std::vector<float> intensity;
  if (!options.drawPoints) {
    std::vector<std::vector<uint32_t>> histograms(static_cast<size_t>(parts));
    runFrameParts(parts, [&](int part) {
      countHistogram(d->sums, height * part / parts, height * (part + 1) / parts,
                     histograms[size_t(part)]);
    });
    std::vector<uint32_t>& histogram = histograms[0];
    for (size_t k = 1; k < histograms.size(); ++k) {
      if (histograms[k].size() > histogram.size()) histogram.resize(histograms[k].size(), 0);
      for (size_t c = 0; c < histograms[k].size(); ++c) histogram[c] += histograms[k][c];
    }
    intensity = intensityFromHistogram(histogram, options.scale);
  }
  uint8_t* rgb = d->pictureBuffer(width, height);
  runFrameParts(parts, [&](int part) {
    shadeRows(d->sums, options, intensity, height * part / parts, height * (part + 1) / parts, rgb);
  });
  d->drawSelection(source, columns, request, before, frame.shifted, rgb);
  if (d->startGrid) std::exchange(d->startGrid, nullptr)();
  frame.shadeMs = millisecondsSince(timer);
  return frame;
}

ScreenTransform DensityLayer::shownTransform(const ScreenTransform& fallback) const {
  // Only the offset may differ (by under a pixel): a zoom since the last frame means the
  // picture is about to be redrawn, and the camera's transform is the better answer.
  const ScreenTransform& t = d->shown;
  const bool sameScale = d->sumsCurrent && t.a == fallback.a && t.b == fallback.b &&
                         t.d == fallback.d && t.e == fallback.e &&
                         std::abs(t.c - fallback.c) <= 0.5 && std::abs(t.f - fallback.f) <= 0.5;
  return sameScale ? t : fallback;
}

int64_t DensityLayer::nearest(const ScreenTransform& transform, double u, double v,
                              double radius) const {
  // By the grid, not by the copy's data: the coordinates in their own order may be gone.
  if (d->slot->grid)
    return nearestInGridOrder(d->sortedColumns(), d->grid(), transform, u, v, radius);
  return nearestOnScreen(d->columns(), d->grid(), transform, u, v, radius);
}

std::vector<int> DensityLayer::inside(const ScreenTransform& transform,
                                      const std::vector<std::pair<double, double>>& polygon) const {
  if (d->slot->grid)
    return pointsInPolygonInGridOrder(d->sortedColumns(), d->grid(), transform, polygon);
  return pointsInPolygon(d->columns(), d->grid(), transform, polygon);
}

size_t DensityLayer::memoryBytes() const {
  auto bytes = [](const auto& v) { return v.capacity() * sizeof(v[0]); };
  size_t total = bytes(d->sums.words) + bytes(d->selectedSums.words) + bytes(d->sortedSlots) +
                 bytes(d->sortedSlotBytes) + (d->slots ? bytes(*d->slots) : 0) +
                 (d->values ? bytes(*d->values) : 0) + bytes(d->sortedValues) +
                 bytes(d->sortedVisible) + bytes(d->sortedSelected) + bytes(d->selectedAt);
  if (d->slot->sortedXY) total += bytes(*d->slot->sortedXY);
  if (d->slot->grid) total += d->slot->grid->memoryBytes();
  total += bytes(d->picture);
  return total;
}

}  // namespace strata
