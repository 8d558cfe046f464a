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

#include "core/base/thread_pools.h"
#include "core/numeric/point_grid.h"

namespace strata {
namespace {

// The grid, and x and y in its order, arrive from a worker; a newer setPoints makes them
// stale.
struct GridSlot {
  uint64_t generation = 0;
  std::shared_ptr<const PointGrid> grid;
  std::shared_ptr<const std::vector<float>> sortedXY;  // [n, 2] cell by cell
};

const Rgb kSelected{25, 25, 25};
constexpr int kSelectedSide = 6;

double millisecondsSince(const QElapsedTimer& timer) {
  return double(timer.nsecsElapsed()) / 1e6;
}

}  // namespace

struct DensityLayer::Impl {
  QPointer<QObject> context;
  std::shared_ptr<const std::vector<float>> coords;
  int stride = 2;
  std::shared_ptr<GridSlot> slot = std::make_shared<GridSlot>();
  const PointGrid emptyGrid;

  Colouring colouring = Colouring::Count;
  std::shared_ptr<const std::vector<uint16_t>> slots;
  std::vector<Rgb> palette;
  std::shared_ptr<const std::vector<float>> values;
  ShadeOptions shade;
  std::vector<Rgb> valueColours;
  const std::vector<char>* visible = nullptr;
  std::vector<uint32_t> selection;

  // Frames read the points cell by cell: consecutive points then land in nearby pixels, and
  // a zoomed-in frame reads only the cells it shows, in order. The per-point columns follow
  // the grid's order, rebuilt when they or the grid change.
  std::vector<uint16_t> sortedSlots;
  std::vector<float> sortedValues;
  std::vector<char> sortedVisible;
  const GridSlot* sortedFor = nullptr;
  bool columnsChanged = true;

  PixelSums sums, selectedSums;
  // The picture goes into VTK's frame as a framebuffer copy before the renderer draws the
  // overlays on it (the renderer keeps the colour buffer instead of clearing it). Software GL
  // copies pixels; sampling a texture over the whole view cost it 10-20 ms a frame more.
  std::vector<uint8_t> picture;  // RGB, rows bottom-up
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
      pictureTexture->Create2DFromRaw(unsigned(pictureWidth), unsigned(pictureHeight), 3,
                                      VTK_UNSIGNED_CHAR, picture.data());
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

  PointColumns columns() const {
    PointColumns c;
    if (!coords) return c;
    c.xy = coords->data();
    c.stride = stride;
    c.count = int64_t(coords->size() / size_t(stride));
    if (colouring == Colouring::Category && slots && slots->size() == size_t(c.count))
      c.colourSlot = slots->data();
    if (colouring == Colouring::Value && values && values->size() == size_t(c.count))
      c.value = values->data();
    if (visible && visible->size() == size_t(c.count)) c.visible = visible->data();
    return c;
  }

  const PointGrid& grid() const { return slot->grid ? *slot->grid : emptyGrid; }

  template <typename T>
  static void gather(const T* from, const std::vector<uint32_t>& order, std::vector<T>& into) {
    into.resize(from ? order.size() : 0);
    if (from)
      for (size_t k = 0; k < order.size(); ++k) into[k] = from[order[k]];
  }

  // The columns in the grid's order, or nullptr columns (xy unset) before the grid exists.
  PointColumns sortedColumns() {
    PointColumns c;
    if (!slot->grid || !slot->sortedXY) return c;
    const PointColumns original = columns();
    if (sortedFor != slot.get() || columnsChanged) {
      const std::vector<uint32_t>& order = slot->grid->order();
      gather(original.colourSlot, order, sortedSlots);
      gather(original.value, order, sortedValues);
      gather(original.visible, order, sortedVisible);
      sortedFor = slot.get();
      columnsChanged = false;
    }
    c.xy = slot->sortedXY->data();
    c.count = int64_t(slot->sortedXY->size() / 2);
    c.colourSlot = original.colourSlot ? sortedSlots.data() : nullptr;
    c.value = original.value ? sortedValues.data() : nullptr;
    c.visible = original.visible ? sortedVisible.data() : nullptr;
    return c;
  }

  // The grid's ranges for display rows [rowBegin, rowEnd) and how many points they hold.
  std::vector<std::pair<int64_t, int64_t>> rangesForRows(const ScreenTransform& t, int width,
                                                         int rowBegin, int rowEnd,
                                                         int64_t& total) const {
    total = 0;
    double minX = 1e300, minY = 1e300, maxX = -1e300, maxY = -1e300;
    for (auto [u, v] : {std::pair<double, double>{0, rowBegin},
                        {width, rowBegin},
                        {0, rowEnd},
                        {width, rowEnd}}) {
      double x, y;
      if (!t.unmap(u, v, x, y)) return {};
      minX = std::min(minX, x), maxX = std::max(maxX, x);
      minY = std::min(minY, y), maxY = std::max(maxY, y);
    }
    auto ranges = grid().rangesIn(minX, minY, maxX, maxY);
    for (auto [begin, end] : ranges) total += end - begin;
    return ranges;
  }

  // Bins the visible points into `into` over bands of rows, one band per frame part: the
  // cells each band shows, in the grid's order, or every point before the grid exists.
  int64_t binAll(const PointColumns& unsorted, const RasterRequest& request, PixelSums& into) {
    const PointColumns sorted = sortedColumns();
    const bool useGrid = sorted.xy != nullptr;
    const PointColumns& columns = useGrid ? sorted : unsorted;
    preparePixelSums(columns, request, into, false);
    const int parts = std::min(frameParts(), std::max(1, request.height / 16));
    std::vector<int64_t> inView(size_t(parts), 0);
    runFrameParts(parts, [&](int part) {
      RasterRequest band = request;
      band.rowBegin = request.height * part / parts;
      band.rowEnd = request.height * (part + 1) / parts;
      into.clearRows(band.rowBegin, band.rowEnd);
      if (!useGrid) {
        inView[size_t(part)] = accumulatePoints(columns, band, 0, columns.count, into);
        return;
      }
      int64_t held = 0;
      for (auto [begin, end] :
           rangesForRows(request.transform, request.width, band.rowBegin - request.squareSide,
                         band.rowEnd + request.squareSide, held))
        inView[size_t(part)] += accumulatePoints(columns, band, begin, end, into);
    });
    int64_t total = 0;
    for (int64_t n : inView) total += n;
    into.pointsInView = total;
    return total;
  }

  // Pixels holding a selected point are painted dark over the shaded picture.
  void drawSelection(const PointColumns& columns, RasterRequest request, uint8_t* rgb) {
    if (selection.empty()) return;
    request.colouring = Colouring::Count;
    request.squareSide = request.squareSide > 0 ? kSelectedSide : 0;
    PointColumns plain = columns;
    plain.colourSlot = nullptr;
    plain.value = nullptr;
    preparePixelSums(plain, request, selectedSums);
    accumulatePoints(plain, request, 0, int64_t(selection.size()), selectedSums, selection.data());
    for (size_t p = 0; p < selectedSums.pixels(); ++p)
      if (selectedSums.count(p)) {
        rgb[3 * p] = kSelected.r;
        rgb[3 * p + 1] = kSelected.g;
        rgb[3 * p + 2] = kSelected.b;
      }
  }

  uint8_t* pictureBuffer(int width, int height) {
    pictureWidth = width;
    pictureHeight = height;
    picture.resize(size_t(width) * size_t(height) * 3);
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
  detach();
}

void DensityLayer::setPoints(std::shared_ptr<const std::vector<float>> coords, int stride) {
  d->coords = std::move(coords);
  d->stride = std::max(stride, 2);
  setPlain();
  d->selection.clear();
  d->visible = nullptr;
  // A fresh slot: a grid still being built for the previous points lands in the old one.
  const uint64_t generation = d->slot->generation + 1;
  d->slot = std::make_shared<GridSlot>();
  d->slot->generation = generation;
  if (!d->coords || d->coords->empty()) return;
  std::shared_ptr<const std::vector<float>> shared = d->coords;
  std::shared_ptr<GridSlot> target = d->slot;
  QPointer<QObject> context = d->context;
  const int stride2 = d->stride;
  jobPool().start([shared, target, context, stride2, generation] {
    PointColumns columns;
    columns.xy = shared->data();
    columns.stride = stride2;
    columns.count = int64_t(shared->size() / size_t(stride2));
    auto grid = std::make_shared<const PointGrid>(columns);
    auto sorted = std::make_shared<std::vector<float>>(grid->order().size() * 2);
    for (size_t k = 0; k < grid->order().size(); ++k) {
      const float* p = columns.xy + int64_t(grid->order()[k]) * columns.stride;
      (*sorted)[2 * k] = p[0];
      (*sorted)[2 * k + 1] = p[1];
    }
    if (!context) return;
    QMetaObject::invokeMethod(
        context,
        [target, grid, sorted, generation] {
          if (target->generation != generation) return;
          target->grid = grid;
          target->sortedXY = sorted;
        },
        Qt::QueuedConnection);
  });
}

void DensityLayer::setCategories(std::shared_ptr<const std::vector<uint16_t>> slots,
                                 std::vector<Rgb> palette) {
  d->slots = std::move(slots);
  d->palette = std::move(palette);
  d->values.reset();
  d->colouring = Colouring::Category;
  d->columnsChanged = true;
}

void DensityLayer::setValues(std::shared_ptr<const std::vector<float>> values, float low,
                             float high, std::vector<Rgb> colours) {
  d->values = std::move(values);
  d->valueColours = std::move(colours);
  d->shade.valueLow = low;
  d->shade.valueHigh = high;
  d->slots.reset();
  d->colouring = Colouring::Value;
  d->columnsChanged = true;
}

void DensityLayer::setPlain() {
  d->slots.reset();
  d->values.reset();
  d->colouring = Colouring::Count;
  d->columnsChanged = true;
}

void DensityLayer::setVisible(const std::vector<char>* visible) {
  d->visible = visible && !visible->empty() ? visible : nullptr;
  d->columnsChanged = true;
}

void DensityLayer::setSelection(const std::vector<int>& indices) {
  d->selection.clear();
  const int64_t n = d->columns().count;
  for (int i : indices)
    if (i >= 0 && i < n) d->selection.push_back(uint32_t(i));
}

bool DensityLayer::gridReady() const {
  return bool(d->slot->grid);
}

void DensityLayer::attach(vtkRenderer* renderer) {
  if (d->renderer == renderer) return;
  detach();
  d->renderer = renderer;
  renderer->PreserveColorBufferOn();
  d->drawObserver = renderer->AddObserver(vtkCommand::StartEvent, d->drawCallback);
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
  const PointColumns columns = d->columns();
  RasterRequest request;
  request.transform = transform;
  request.width = width;
  request.height = height;
  request.colouring = d->colouring;
  request.palette = &d->palette;
  frame.pointsInView = d->binAll(columns, request, d->sums);
  if (frame.pointsInView <= kPointDrawLimit) {
    // Few enough to see one by one: squares, as a point renderer draws them.
    request.squareSide = kPointSide;
    d->binAll(columns, request, d->sums);
    frame.drawnAsPoints = true;
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
  d->drawSelection(columns, request, rgb);
  frame.shadeMs = millisecondsSince(timer);
  return frame;
}

int64_t DensityLayer::nearest(const ScreenTransform& transform, double u, double v,
                              double radius) const {
  return nearestOnScreen(d->columns(), d->grid(), transform, u, v, radius);
}

std::vector<int64_t> DensityLayer::inside(
    const ScreenTransform& transform, const std::vector<std::pair<double, double>>& polygon) const {
  return pointsInPolygon(d->columns(), d->grid(), transform, polygon);
}

size_t DensityLayer::memoryBytes() const {
  auto bytes = [](const auto& v) { return v.capacity() * sizeof(v[0]); };
  size_t total = bytes(d->selection) + bytes(d->sums.words) + bytes(d->selectedSums.words) +
                 bytes(d->sortedSlots) + bytes(d->sortedValues) + bytes(d->sortedVisible);
  if (d->slot->sortedXY) total += bytes(*d->slot->sortedXY);
  if (d->slot->grid) total += d->slot->grid->memoryBytes();
  total += bytes(d->picture);
  return total;
}

}  // namespace strata
