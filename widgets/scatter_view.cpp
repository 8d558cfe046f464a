#include "widgets/scatter_view.h"

#include <QElapsedTimer>
#include <QLocale>
#include <QMouseEvent>
#include <QOpenGLContext>
#include <QOpenGLExtraFunctions>
#include <QPainter>
#include <QTimer>
#include <QWheelEvent>

#include <vtkCallbackCommand.h>
#include <vtkCamera.h>
#include <vtkCellArray.h>
#include <vtkFloatArray.h>
#include <vtkGenericOpenGLRenderWindow.h>
#include <vtkGenericRenderWindowInteractor.h>
#include <vtkIdTypeArray.h>
#include <vtkInteractorStyleTrackballCamera.h>
#include <vtkLegendBoxActor.h>
#include <vtkLookupTable.h>
#include <vtkMatrix4x4.h>
#include <vtkNew.h>
#include <vtkObjectFactory.h>
#include <vtkOpenGLFramebufferObject.h>
#include <vtkOpenGLState.h>
#include <vtkPointData.h>
#include <vtkPoints.h>
#include <vtkPolyData.h>
#include <vtkPolyDataMapper.h>
#include <vtkProperty.h>
#include <vtkRegularPolygonSource.h>
#include <vtkRenderer.h>
#include <vtkScalarBarActor.h>
#include <vtkTextActor.h>
#include <vtkTextProperty.h>
#include <vtkTextRenderer.h>
#include <vtkUnsignedCharArray.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>
#include <tuple>

#include "core/figures/palette.h"
#include "widgets/density_layer.h"

namespace strata {
namespace {

// Pan with the left button, zoom with the wheel or right button: no rotation in 2-D.
class PanZoomStyle : public vtkInteractorStyleTrackballCamera {
 public:
  static PanZoomStyle* New();
  vtkTypeMacro(PanZoomStyle, vtkInteractorStyleTrackballCamera)

      void OnLeftButtonDown() override {
    const int* pos = Interactor->GetEventPosition();
    FindPokedRenderer(pos[0], pos[1]);
    if (!CurrentRenderer) return;
    GrabFocus(EventCallbackCommand);
    StartPan();
  }
  void OnLeftButtonUp() override {
    if (State == VTKIS_PAN) {
      EndPan();
      if (Interactor) ReleaseFocus();
    }
  }
};
vtkStandardNewMacro(PanZoomStyle)

    vtkSmartPointer<vtkCellArray> vertexCells(vtkIdType count) {
  vtkNew<vtkIdTypeArray> offsets;
  offsets->SetNumberOfValues(count + 1);
  vtkNew<vtkIdTypeArray> connectivity;
  connectivity->SetNumberOfValues(count);
  for (vtkIdType i = 0; i < count; ++i) {
    offsets->SetValue(i, i);
    connectivity->SetValue(i, i);
  }
  offsets->SetValue(count, count);
  auto cells = vtkSmartPointer<vtkCellArray>::New();
  cells->SetData(offsets, connectivity);
  return cells;
}

constexpr double kBackground[3] = {1.0, 1.0, 1.0};

Rgb rgbOf(const QColor& c) {
  return {uint8_t(c.red()), uint8_t(c.green()), uint8_t(c.blue())};
}
constexpr float kPickFloor = 1e-12f;

}  // namespace

struct ScatterView::Impl {
  ScatterView* widget = nullptr;
  vtkNew<vtkGenericOpenGLRenderWindow> window;
  vtkNew<vtkGenericRenderWindowInteractor> interactor;
  vtkNew<vtkRenderer> renderer;
  vtkNew<vtkRenderer> overlay;  // layer 1: highlight ring, always above the points
  vtkNew<vtkInteractorStyleTrackballCamera> rotateStyle;
  vtkNew<PanZoomStyle> panZoomStyle;

  vtkNew<vtkPolyData> cloud;
  vtkNew<vtkPolyDataMapper> cloudMapper;
  vtkNew<vtkActor> cloudActor;
  vtkNew<vtkPolyData> marker;
  vtkNew<vtkActor> markerActor;
  vtkNew<vtkActor> markerInnerActor;
  vtkNew<vtkPolyData> selected;
  vtkNew<vtkActor> selectedActor;
  vtkNew<vtkPolyData> path;
  vtkNew<vtkActor> pathActor;
  vtkNew<vtkPolyData> neighbours;
  vtkNew<vtkActor> neighboursActor;
  std::vector<char> visible;  // empty: all visible
  // Large clouds draw an even subsample while the camera moves, the full set when it stops
  // (software GL draws ~3 million points a second).
  static constexpr vtkIdType kInteractivePoints = 150000;
  vtkSmartPointer<vtkCellArray> fullCells, sparseCells;
  bool sparse = false;
  QTimer* settle = nullptr;
  std::vector<int> selection;
  enum class Gesture { None, Lasso, Box } gesture = Gesture::None;
  QPolygonF lasso;  // widget coordinates while a gesture is under way
  vtkNew<vtkLegendBoxActor> legend;
  vtkNew<vtkScalarBarActor> colorBar;
  vtkNew<vtkTextActor> caption;
  std::string captionText;           // as given; the actor shows it broken into lines that fit
  vtkNew<vtkTextActor> drawingNote;  // lower right: how a density picture was made
  vtkNew<vtkLookupTable> lookupTable;
  vtkNew<vtkCallbackCommand> contextCallback;
  vtkNew<vtkCallbackCommand> renderCallback;

  // [n, dims] as given; shared with the density layer and the worker building its grid. A
  // large 2-D cloud drops it once the layer holds the points in its grid's order (the one
  // copy from then on); the VTK path asks the layer for it again.
  std::shared_ptr<const std::vector<float>> coords = std::make_shared<std::vector<float>>();
  vtkIdType pointTotal = 0;
  int dims = 3;
  std::array<double, 6> bounds = {-1, 1, -1, 1, 0, 0};
  // The colours per point are held by the density layer (in the grid's order only, for a
  // large 2-D cloud); VTK's point path asks it for them in the points' own order.
  enum class Colours { Plain, Category, Value } colours = Colours::Plain;
  std::vector<Rgb> slotColours;  // slot s: categoricalColor(s - 1)
  // 2-D clouds above densityThreshold points are drawn by the density layer; VTK then holds
  // no copy of the points.
  vtkIdType densityThreshold = 100000;
  std::unique_ptr<DensityLayer> density;
  bool dense = false;
  bool vtkCloudBuilt = false;
  DensityLayer::Frame lastFrame;
  double lastRenderMs = 0;
  Mode mode = Mode::TwoD;
  bool glReady = false;
  QMetaObject::Connection contextGoingAway;
  QPoint pressPos;
  Qt::MouseButton pressButton = Qt::NoButton;
  int hovered = -1;
  int highlighted = -1;
  int legendEntries = 0;

  explicit Impl(ScatterView* owner) : widget(owner), density(new DensityLayer(owner)) {
    density->setGridReadyHandler([this] { dropOwnOrderCopy(); });
    window->SetReadyForRendering(false);
    window->SetFrameBlitModeToNoBlit();
    window->SetMultiSamples(0);
    window->SetNumberOfLayers(2);
    window->AddRenderer(renderer);
    window->AddRenderer(overlay);
    renderer->SetLayer(0);
    renderer->SetBackground(kBackground[0], kBackground[1], kBackground[2]);
    overlay->SetLayer(1);
    overlay->InteractiveOff();
    overlay->SetActiveCamera(renderer->GetActiveCamera());

    interactor->SetRenderWindow(window);
    interactor->EnableRenderOff();  // VTK draws only inside paintGL
    interactor->SetInteractorStyle(panZoomStyle);
    renderCallback->SetClientData(this);
    renderCallback->SetCallback([](vtkObject*, unsigned long, void* self, void*) {
      static_cast<Impl*>(self)->widget->update();
    });
    interactor->AddObserver(vtkCommand::RenderEvent, renderCallback);

    // VTK asks the host about its GL context through these events.
    contextCallback->SetClientData(this);
    contextCallback->SetCallback([](vtkObject*, unsigned long event, void* self, void* data) {
      auto* impl = static_cast<Impl*>(self);
      QOpenGLContext* context = impl->widget->context();
      if (event == vtkCommand::WindowMakeCurrentEvent) {
        // QOpenGLWidget::makeCurrent() would also rebind Qt's framebuffer under VTK's feet.
        if (context && QOpenGLContext::currentContext() != context)
          context->makeCurrent(context->surface());
      } else if (event == vtkCommand::WindowIsCurrentEvent) {
        *static_cast<bool*>(data) = context && QOpenGLContext::currentContext() == context;
      } else if (event == vtkCommand::WindowFrameEvent) {
        if (!impl->window->GetReadyForRendering()) return;
      }
    });
    window->AddObserver(vtkCommand::WindowMakeCurrentEvent, contextCallback);
    window->AddObserver(vtkCommand::WindowIsCurrentEvent, contextCallback);
    window->AddObserver(vtkCommand::WindowFrameEvent, contextCallback);

    cloud->SetPoints(vtkNew<vtkPoints>());
    cloudMapper->SetInputData(cloud);
    cloudMapper->SetScalarModeToUsePointData();
    cloudMapper->SetColorModeToDirectScalars();
    cloudActor->SetMapper(cloudMapper);
    cloudActor->GetProperty()->SetPointSize(4.0f);
    cloudActor->GetProperty()->SetRepresentationToPoints();
    renderer->AddActor(cloudActor);

    // A dark dot with a white core around the selected point.
    marker->SetPoints(vtkNew<vtkPoints>());
    marker->GetPoints()->InsertNextPoint(0, 0, 0);
    marker->SetVerts(vertexCells(1));
    vtkNew<vtkPolyDataMapper> markerMapper;
    markerMapper->SetInputData(marker);
    markerMapper->ScalarVisibilityOff();
    markerActor->SetMapper(markerMapper);
    markerActor->GetProperty()->SetColor(0.1, 0.1, 0.1);
    markerActor->GetProperty()->SetPointSize(14.0f);
    markerActor->VisibilityOff();
    markerInnerActor->SetMapper(markerMapper);
    markerInnerActor->GetProperty()->SetColor(1.0, 1.0, 1.0);
    markerInnerActor->GetProperty()->SetPointSize(7.0f);
    markerInnerActor->VisibilityOff();
    for (auto [data, actor, rgb, size] :
         {std::tuple{selected.Get(), selectedActor.Get(), std::array<double, 3>{0.1, 0.1, 0.1},
                     7.0f},
          std::tuple{neighbours.Get(), neighboursActor.Get(), std::array<double, 3>{1.0, 0.45, 0.0},
                     8.0f}}) {
      data->SetPoints(vtkNew<vtkPoints>());
      vtkNew<vtkPolyDataMapper> mapper;
      mapper->SetInputData(data);
      mapper->ScalarVisibilityOff();
      actor->SetMapper(mapper);
      actor->GetProperty()->SetColor(rgb.data());
      actor->GetProperty()->SetPointSize(size);
      overlay->AddActor(actor);
    }
    path->SetPoints(vtkNew<vtkPoints>());
    vtkNew<vtkPolyDataMapper> pathMapper;
    pathMapper->SetInputData(path);
    pathMapper->ScalarVisibilityOff();
    pathActor->SetMapper(pathMapper);
    pathActor->GetProperty()->SetColor(0.85, 0.1, 0.1);
    pathActor->GetProperty()->SetLineWidth(3.0f);
    pathActor->GetProperty()->SetPointSize(9.0f);
    pathActor->GetProperty()->SetVertexVisibility(true);
    pathActor->GetProperty()->SetVertexColor(0.85, 0.1, 0.1);
    overlay->AddActor(pathActor);
    overlay->AddActor(markerActor);
    overlay->AddActor(markerInnerActor);

    legend->UseBackgroundOn();
    legend->SetBackgroundColor(1.0, 1.0, 1.0);
    legend->SetBackgroundOpacity(0.9);
    legend->BorderOn();
    legend->GetEntryTextProperty()->SetColor(0.1, 0.1, 0.1);
    legend->GetEntryTextProperty()->SetFontSize(14);
    legend->GetEntryTextProperty()->BoldOff();
    legend->GetEntryTextProperty()->ShadowOff();
    legend->SetPadding(4);
    legend->ScalarVisibilityOn();
    legend->VisibilityOff();
    renderer->AddViewProp(legend);

    colorBar->SetLookupTable(lookupTable);
    colorBar->SetNumberOfLabels(5);
    colorBar->GetTitleTextProperty()->SetColor(0.1, 0.1, 0.1);
    colorBar->GetLabelTextProperty()->SetColor(0.1, 0.1, 0.1);
    colorBar->GetTitleTextProperty()->ShadowOff();
    colorBar->GetLabelTextProperty()->ShadowOff();
    colorBar->GetPositionCoordinate()->SetValue(0.88, 0.1);
    colorBar->SetWidth(0.1);
    colorBar->SetHeight(0.8);
    colorBar->VisibilityOff();
    renderer->AddViewProp(colorBar);

    caption->GetTextProperty()->SetFontSize(14);
    caption->GetTextProperty()->SetColor(0.2, 0.2, 0.2);
    caption->SetDisplayPosition(10, 8);
    drawingNote->GetTextProperty()->SetFontSize(12);
    drawingNote->GetTextProperty()->SetColor(0.35, 0.35, 0.35);
    drawingNote->GetTextProperty()->SetJustificationToRight();
    drawingNote->VisibilityOff();
    renderer->AddViewProp(drawingNote);
    renderer->AddViewProp(caption);
  }

  // VTK does not wrap text, so a caption wider than the view is broken into lines at its
  // commas, each line as full as fits (a single part wider than the view stays whole).
  void fitCaption() {
    const int available = window->GetSize()[0] - 20;
    vtkTextRenderer* measure = vtkTextRenderer::GetInstance();
    const auto widthOf = [&](const std::string& text) {
      int box[4] = {0, 0, 0, 0};
      if (!measure ||
          !measure->GetBoundingBox(caption->GetTextProperty(), text, box, window->GetDPI()))
        return 0;
      return box[1] - box[0];
    };
    if (available <= 0 || widthOf(captionText) <= available) {
      caption->SetInput(captionText.c_str());
      return;
    }
    std::string wrapped, line;
    for (size_t start = 0; start < captionText.size();) {
      size_t end = captionText.find(", ", start);
      end = end == std::string::npos ? captionText.size() : end + 1;  // keep the comma
      const std::string part = captionText.substr(start, end - start);
      const std::string longer = line.empty() ? part : line + " " + part;
      if (!line.empty() && widthOf(longer) > available) {
        wrapped += line + "\n";
        line = part;
      } else {
        line = longer;
      }
      start = end < captionText.size() ? end + 1 : end;  // past the space after the comma
    }
    caption->SetInput((wrapped + line).c_str());
  }

  // VTK scales legend text to fill its box, so the box is sized in pixels per entry.
  void layoutLegend() {
    const int* size = window->GetSize();
    const double viewHeight = std::max(size[1], 200), viewWidth = std::max(size[0], 300);
    const double height = std::min(0.95, (20.0 * legendEntries + 8.0) / viewHeight);
    const double width = std::min(0.3, 150.0 / viewWidth);
    legend->GetPositionCoordinate()->SetCoordinateSystemToNormalizedViewport();
    legend->GetPositionCoordinate()->SetValue(0.99 - width, 0.98 - height);
    legend->GetPosition2Coordinate()->SetCoordinateSystemToNormalizedViewport();
    legend->GetPosition2Coordinate()->SetValue(width, height);
  }

  void applyMode() {
    vtkCamera* camera = renderer->GetActiveCamera();
    if (mode == Mode::TwoD) {
      interactor->SetInteractorStyle(panZoomStyle);
      camera->ParallelProjectionOn();
    } else {
      interactor->SetInteractorStyle(rotateStyle);
      camera->ParallelProjectionOff();
    }
  }

  void resetCamera() {
    vtkCamera* camera = renderer->GetActiveCamera();
    camera->SetFocalPoint(0, 0, 0);
    camera->SetPosition(0, 0, 1);
    camera->SetViewUp(0, 1, 0);
    renderer->ResetCamera(bounds.data());
    if (mode == Mode::TwoD) {
      // Leave room for the legend on the right and a margin around the points.
      camera->SetParallelScale(camera->GetParallelScale() * 0.8);
    }
    renderer->ResetCameraClippingRange(bounds.data());
  }

  // The finite points' bounds (a unit cube around the origin when there are none): the
  // camera frames them whether VTK or the density layer draws the cloud.
  void updateBounds() {
    std::array<float, 6> b = {INFINITY, -INFINITY, INFINITY, -INFINITY, INFINITY, -INFINITY};
    for (vtkIdType i = 0; i < count(); ++i) {
      const auto p = at(i);
      if (!std::isfinite(p[0]) || !std::isfinite(p[1]) || !std::isfinite(p[2])) continue;
      for (int k = 0; k < 3; ++k) {
        b[size_t(2 * k)] = std::min(b[size_t(2 * k)], p[size_t(k)]);
        b[size_t(2 * k + 1)] = std::max(b[size_t(2 * k + 1)], p[size_t(k)]);
      }
    }
    if (!(b[0] <= b[1])) b = {-1, 1, -1, 1, 0, 0};
    std::copy(b.begin(), b.end(), bounds.begin());
  }

  // Projects every point to display pixels (origin bottom-left) and finds the nearest.
  int nearestPoint(double x, double y, double radius) const {
    const vtkIdType n = count();
    if (n == 0) return -1;
    if (dense) return int(density->nearest(drawnTransform(), x, y, radius));
    const int* size = window->GetSize();
    if (size[0] <= 0 || size[1] <= 0) return -1;
    vtkCamera* camera = renderer->GetActiveCamera();
    vtkMatrix4x4* m =
        camera->GetCompositeProjectionTransformMatrix(renderer->GetTiledAspectRatio(), -1, 1);
    double e[16];
    for (int r = 0; r < 4; ++r)
      for (int c = 0; c < 4; ++c) e[r * 4 + c] = m->GetElement(r, c);
    const double halfW = 0.5 * size[0];
    const double halfH = 0.5 * size[1];
    double best = radius * radius;
    double bestDepth = std::numeric_limits<double>::max();
    int bestIndex = -1;
    for (vtkIdType i = 0; i < n; ++i) {
      if (!isVisible(i)) continue;
      const auto [px, py, pz] = at(i);
      const double w = e[12] * px + e[13] * py + e[14] * pz + e[15];
      if (std::abs(w) < kPickFloor) continue;
      const double sx = ((e[0] * px + e[1] * py + e[2] * pz + e[3]) / w + 1.0) * halfW;
      const double sy = ((e[4] * px + e[5] * py + e[6] * pz + e[7]) / w + 1.0) * halfH;
      const double sz = (e[8] * px + e[9] * py + e[10] * pz + e[11]) / w;
      const double d2 = (sx - x) * (sx - x) + (sy - y) * (sy - y);
      // Prefer the nearest on screen; among (almost) equals, the one in front.
      if (d2 < best - 0.25 || (d2 <= best + 0.25 && sz < bestDepth)) {
        best = std::min(best, d2);
        bestDepth = sz;
        bestIndex = int(i);
      }
    }
    return bestIndex;
  }

  QPointF displayToWidget(double x, double y) const {
    const double ratio = widget->devicePixelRatioF();
    return {x / ratio, (window->GetSize()[1] - y) / ratio};
  }

  void forward(QMouseEvent* event, unsigned long vtkEvent) {
    const double ratio = widget->devicePixelRatioF();
    const QPointF p = event->position() * ratio;
    interactor->SetEventInformationFlipY(int(std::lround(p.x())), int(std::lround(p.y())),
                                         (event->modifiers() & Qt::ControlModifier) ? 1 : 0,
                                         (event->modifiers() & Qt::ShiftModifier) ? 1 : 0, 0,
                                         event->type() == QEvent::MouseButtonDblClick ? 1 : 0);
    interactor->InvokeEvent(vtkEvent, event);
  }

  bool isVisible(vtkIdType i) const { return visible.empty() || visible[size_t(i)]; }

  vtkIdType count() const { return pointTotal; }
  std::array<float, 3> at(vtkIdType i) const {
    if (!coords) {
      const auto p = density->positions({int(i)}).front();
      return {p[0], p[1], 0.0f};
    }
    const float* p = coords->data() + size_t(i) * size_t(dims);
    return {p[0], p[1], dims == 3 ? p[2] : 0.0f};
  }

  // Once the density layer holds the points in its grid's order, the view's copy in their own
  // order goes: at ten million points that is 80 MB of the view's 2 x budget.
  void dropOwnOrderCopy() {
    if (dense && dims == 2 && density->releaseOriginal()) coords.reset();
  }

  void restoreOwnOrderCopy() {
    if (!coords) coords = density->restoreOriginal();
  }

  // Where a world point is drawn, in widget coordinates.
  QPointF widgetPositionOf(const std::array<float, 3>& p) const;

  // Display pixel of a world point in 2-D (origin bottom-left), from the camera.
  ScreenTransform screenTransform() const {
    const int* size = window->GetSize();
    vtkMatrix4x4* m = renderer->GetActiveCamera()->GetCompositeProjectionTransformMatrix(
        renderer->GetTiledAspectRatio(), -1, 1);
    const double halfW = 0.5 * size[0], halfH = 0.5 * size[1];
    // Orthographic: the fourth row is (0, 0, 0, 1).
    return {m->GetElement(0, 0) * halfW,         m->GetElement(0, 1) * halfW,
            (m->GetElement(0, 3) + 1.0) * halfW, m->GetElement(1, 0) * halfH,
            m->GetElement(1, 1) * halfH,         (m->GetElement(1, 3) + 1.0) * halfH};
  }

  // Where the density picture puts points: the camera's transform, its offset snapped to
  // whole pixels while panning (hover, lasso and positions follow the picture).
  ScreenTransform drawnTransform() const { return density->shownTransform(screenTransform()); }

  // Says how the picture was made, so nobody mistakes a density for points or a sample.
  QString drawingNoteText() const {
    const QString shown = QLocale().toString(qlonglong(lastFrame.pointsInView));
    if (lastFrame.drawnAsPoints) return ScatterView::tr("%1 points in view, each drawn").arg(shown);
    const QString mix = colours == Colours::Category ? ScatterView::tr("colours mixed by count")
                        : colours == Colours::Value  ? ScatterView::tr("colour: mean value")
                                                     : ScatterView::tr("shade: count");
    return ScatterView::tr(
               "%1 points in view, every one counted per pixel; %2; "
               "histogram-equalised")
        .arg(shown, mix);
  }

  // Chooses how the cloud is drawn: the density layer for large 2-D clouds, VTK points
  // otherwise (built on first need, released when the density layer takes over).
  void syncDrawing() {
    dense = mode == Mode::TwoD && count() > densityThreshold;
    if (!dense) restoreOwnOrderCopy();
    if (dense) {
      dropOwnOrderCopy();  // again after a spell of VTK drawing, if the grid is there
      density->attach(renderer);
      cloudActor->VisibilityOff();
      if (vtkCloudBuilt) {
        cloud->SetPoints(vtkNew<vtkPoints>());
        cloud->SetVerts(vtkNew<vtkCellArray>());
        cloud->GetPointData()->SetScalars(nullptr);
        fullCells = sparseCells = nullptr;
        vtkCloudBuilt = false;
      }
      fillSubset(selected, {});
      density->setSelection(&selection);
      return;
    }
    density->detach();
    cloudActor->VisibilityOn();
    if (!vtkCloudBuilt) {
      vtkNew<vtkFloatArray> positions;
      positions->SetNumberOfComponents(3);
      positions->SetNumberOfTuples(count());
      float* out = positions->GetPointer(0);
      for (vtkIdType i = 0; i < count(); ++i) {
        const auto p = at(i);
        std::copy(p.begin(), p.end(), out + 3 * i);
      }
      vtkNew<vtkPoints> points;
      points->SetData(positions);
      cloud->SetPoints(points);
      updateCells();
      applyVtkColours();
      vtkCloudBuilt = true;
    }
    fillSubset(selected, selection);
  }

  void applyVtkColours() {
    const vtkIdType n = count();
    const auto colourSlots = density->categorySlots();
    const auto values = density->pointValues();
    if (colourSlots && vtkIdType(colourSlots->size()) == n) {
      vtkNew<vtkUnsignedCharArray> colors;
      colors->SetName("colors");
      colors->SetNumberOfComponents(4);
      colors->SetNumberOfTuples(n);
      for (vtkIdType i = 0; i < n; ++i) {
        const Rgb c = slotColours[(*colourSlots)[size_t(i)]];
        const unsigned char rgba[4] = {c.r, c.g, c.b, 255};
        colors->SetTypedTuple(i, rgba);
      }
      cloud->GetPointData()->SetScalars(colors);
      cloudMapper->SetColorModeToDirectScalars();
      cloudMapper->ScalarVisibilityOn();
    } else if (values && vtkIdType(values->size()) == n) {
      vtkNew<vtkFloatArray> scalars;
      scalars->SetName("values");
      scalars->SetNumberOfTuples(n);
      std::copy(values->begin(), values->end(), scalars->GetPointer(0));
      cloud->GetPointData()->SetScalars(scalars);
      cloudMapper->SetLookupTable(lookupTable);
      cloudMapper->SetColorModeToMapScalars();
      cloudMapper->UseLookupTableScalarRangeOn();
      cloudMapper->ScalarVisibilityOn();
    } else {
      cloud->GetPointData()->SetScalars(nullptr);
    }
    cloud->Modified();
  }

  void fillSubset(vtkPolyData* data, const std::vector<int>& indices) {
    vtkNew<vtkPoints> shown;
    std::vector<int> kept;
    for (int i : indices)
      if (i >= 0 && i < count() && isVisible(i)) kept.push_back(i);
    if (coords) {
      for (int i : kept) {
        const auto p = at(i);
        shown->InsertNextPoint(p[0], p[1], p[2]);
      }
    } else {
      for (const auto& p : density->positions(kept)) shown->InsertNextPoint(p[0], p[1], 0.0);
    }
    data->SetPoints(shown);
    data->SetVerts(vertexCells(shown->GetNumberOfPoints()));
    data->Modified();
  }

  static vtkSmartPointer<vtkCellArray> cellsOf(const std::vector<vtkIdType>& ids) {
    vtkNew<vtkIdTypeArray> offsets, connectivity;
    offsets->SetNumberOfValues(vtkIdType(ids.size()) + 1);
    connectivity->SetNumberOfValues(vtkIdType(ids.size()));
    for (size_t j = 0; j < ids.size(); ++j) {
      offsets->SetValue(vtkIdType(j), vtkIdType(j));
      connectivity->SetValue(vtkIdType(j), ids[j]);
    }
    offsets->SetValue(vtkIdType(ids.size()), vtkIdType(ids.size()));
    auto cells = vtkSmartPointer<vtkCellArray>::New();
    cells->SetData(offsets, connectivity);
    return cells;
  }

  // Points are drawn in a fixed pseudo-random order, so no class is painted over the others
  // just because it comes last in the data; the interactive subsample is a prefix of it.
  void updateCells() {
    const vtkIdType n = count();
    std::vector<vtkIdType> ids;
    ids.reserve(size_t(n));
    for (vtkIdType i = 0; i < n; ++i)
      if (isVisible(i)) ids.push_back(i);
    std::shuffle(ids.begin(), ids.end(), std::mt19937_64(7));
    fullCells = cellsOf(ids);
    sparseCells = nullptr;
    if (vtkIdType(ids.size()) > kInteractivePoints)
      sparseCells = cellsOf(std::vector<vtkIdType>(ids.begin(), ids.begin() + kInteractivePoints));
    sparse = false;
    cloud->SetVerts(fullCells);
    cloud->Modified();
  }

  void setSparse(bool on) {
    if (dense || !sparseCells || on == sparse) return;
    sparse = on;
    cloud->SetVerts(on ? sparseCells : fullCells);
    cloud->Modified();
    widget->update();
  }

  // Widget positions of every point (NaN for hidden ones), for picking and lassos.
  std::vector<QPointF> projected() const {
    const vtkIdType n = count();
    std::vector<QPointF> out(size_t(n), QPointF(NAN, NAN));
    const int* size = window->GetSize();
    if (size[0] <= 0 || size[1] <= 0) return out;
    vtkMatrix4x4* m = renderer->GetActiveCamera()->GetCompositeProjectionTransformMatrix(
        renderer->GetTiledAspectRatio(), -1, 1);
    const double ratio = widget->devicePixelRatioF();
    for (vtkIdType i = 0; i < n; ++i) {
      if (!isVisible(i)) continue;
      const auto q = at(i);
      const double p[4] = {q[0], q[1], q[2], 1.0};
      double c[4];
      m->MultiplyPoint(p, c);
      if (std::abs(c[3]) < kPickFloor) continue;
      const double sx = (c[0] / c[3] + 1.0) * 0.5 * size[0],
                   sy = (c[1] / c[3] + 1.0) * 0.5 * size[1];
      out[size_t(i)] = QPointF(sx / ratio, (size[1] - sy) / ratio);
    }
    return out;
  }

  void updateMarker() {
    const bool visible = highlighted >= 0 && highlighted < count();
    if (visible) {
      const auto p = at(highlighted);
      marker->GetPoints()->SetPoint(0, p[0], p[1], p[2]);
      marker->GetPoints()->Modified();
      marker->Modified();
    }
    markerActor->SetVisibility(visible);
    markerInnerActor->SetVisibility(visible);
  }
};

ScatterView::ScatterView(QWidget* parent) : QOpenGLWidget(parent), d(new Impl(this)) {
  // A machine whose GPU draws millions of points a frame may move the threshold up.
  bool ok = false;
  const qlonglong threshold = qEnvironmentVariableIntValue("STRATA_DENSITY_POINTS", &ok);
  if (ok && threshold >= 0) d->densityThreshold = vtkIdType(threshold);
  d->settle = new QTimer(this);
  d->settle->setSingleShot(true);
  d->settle->setInterval(200);
  connect(d->settle, &QTimer::timeout, this, [this] { d->setSparse(false); });
  setMouseTracking(true);
  setFocusPolicy(Qt::StrongFocus);
  setMinimumSize(320, 240);
}

ScatterView::~ScatterView() {
  // QOpenGLWidget's own destructor signals aboutToBeDestroyed after our members are gone.
  disconnect(d->contextGoingAway);
  if (d->glReady && context()) {
    makeCurrent();
    d->density->releaseGraphics(d->window);
    d->window->Finalize();
    doneCurrent();
  }
}

void ScatterView::setPoints(const std::vector<float>& coords, int dims) {
  setPoints(std::make_shared<const std::vector<float>>(coords), dims);
}

void ScatterView::setPoints(std::shared_ptr<const std::vector<float>> coords, int dims) {
  d->dims = (dims == 2 || dims == 3) ? dims : 3;
  d->coords = coords ? std::move(coords) : std::make_shared<const std::vector<float>>();
  d->pointTotal = vtkIdType(d->coords->size() / size_t(d->dims));
  d->colours = Impl::Colours::Plain;
  d->visible.clear();
  d->selection.clear();
  d->density->setPoints(d->coords, d->dims);
  d->updateBounds();
  d->vtkCloudBuilt = false;
  d->cloud->GetPointData()->SetScalars(nullptr);
  d->syncDrawing();
  d->fillSubset(d->selected, {});
  d->fillSubset(d->neighbours, {});
  d->path->SetPoints(vtkNew<vtkPoints>());
  d->path->SetLines(vtkNew<vtkCellArray>());
  d->path->SetVerts(vtkNew<vtkCellArray>());
  d->hovered = -1;
  d->highlighted = -1;
  d->updateMarker();
  d->resetCamera();
  update();
}

int ScatterView::pointCount() const {
  return int(d->count());
}

bool ScatterView::pickingIndexed() const {
  return d->density->gridReady();
}

bool ScatterView::drawsDensity() const {
  return d->dense;
}

void ScatterView::setDensityThreshold(int64_t points) {
  d->densityThreshold = vtkIdType(std::max<int64_t>(points, 0));
  d->syncDrawing();
  update();
}

ScatterView::FrameInfo ScatterView::lastFrame() const {
  return {d->lastFrame.pointsInView, d->lastFrame.drawnAsPoints, d->lastFrame.shifted,
          d->lastFrame.accumulateMs, d->lastFrame.shadeMs,       d->lastRenderMs};
}

size_t ScatterView::drawingBytes() const {
  size_t bytes =
      (d->coords ? d->coords->capacity() * sizeof(float) : 0) + d->density->memoryBytes();
  if (d->vtkCloudBuilt) bytes += size_t(d->cloud->GetActualMemorySize()) * 1024;
  return bytes;
}

void ScatterView::setCategoryColors(const std::vector<int>& categories, const QStringList& names) {
  const vtkIdType n = d->count();
  // Slot 0: no category; slot c + 1: category c.
  int highest = -1;
  for (int c : categories) highest = std::max(highest, std::min(c, 65533));
  d->slotColours.clear();
  for (int c = -1; c <= highest; ++c) d->slotColours.push_back(rgbOf(categoricalColor(c)));
  auto slots = std::make_shared<std::vector<uint16_t>>(size_t(n), uint16_t(0));
  for (vtkIdType i = 0; i < n && size_t(i) < categories.size(); ++i) {
    const int c = categories[size_t(i)];
    (*slots)[size_t(i)] = c < 0 ? 0 : uint16_t(std::min(c, 65533) + 1);
  }
  d->colours = Impl::Colours::Category;
  d->density->setCategories(slots, d->slotColours);
  if (d->vtkCloudBuilt) d->applyVtkColours();

  // Each swatch carries its colour as scalars so the entry text can stay dark and readable.
  d->legend->SetNumberOfEntries(int(names.size()));
  for (int i = 0; i < names.size(); ++i) {
    vtkNew<vtkRegularPolygonSource> swatch;
    swatch->SetNumberOfSides(24);
    swatch->SetRadius(0.5);
    swatch->Update();
    vtkPolyData* symbol = swatch->GetOutput();
    const QColor q = categoricalColor(i);
    vtkNew<vtkUnsignedCharArray> fill;
    fill->SetNumberOfComponents(3);
    fill->SetNumberOfTuples(symbol->GetNumberOfPoints());
    for (vtkIdType p = 0; p < symbol->GetNumberOfPoints(); ++p)
      fill->SetTuple3(p, q.red(), q.green(), q.blue());
    symbol->GetPointData()->SetScalars(fill);
    double text[3] = {0.12, 0.12, 0.12};
    d->legend->SetEntry(i, symbol, names[i].toUtf8().constData(), text);
  }
  d->legendEntries = int(names.size());
  d->layoutLegend();
  d->legend->SetVisibility(!names.isEmpty());
  d->colorBar->VisibilityOff();
  update();
}

void ScatterView::setScalarColors(const std::vector<float>& values, const QString& title) {
  const vtkIdType n = d->count();
  float lo = std::numeric_limits<float>::max(), hi = std::numeric_limits<float>::lowest();
  for (float v : values)
    if (std::isfinite(v)) lo = std::min(lo, v), hi = std::max(hi, v);
  if (lo > hi) lo = 0, hi = 1;
  if (hi - lo < 1e-12f) hi = lo + 1.0f;

  d->lookupTable->SetNumberOfTableValues(256);
  std::vector<Rgb> colours;
  for (int i = 0; i < 256; ++i) {
    const QColor q = viridis(i / 255.0);
    d->lookupTable->SetTableValue(i, q.redF(), q.greenF(), q.blueF(), 1.0);
    colours.push_back(rgbOf(q));
  }
  d->lookupTable->SetRange(lo, hi);
  d->lookupTable->SetNanColor(0.6, 0.6, 0.6, 1.0);

  auto perPoint =
      std::make_shared<std::vector<float>>(size_t(n), std::numeric_limits<float>::quiet_NaN());
  std::copy_n(values.begin(), std::min(values.size(), size_t(n)), perPoint->begin());
  d->colours = Impl::Colours::Value;
  d->density->setValues(perPoint, lo, hi, std::move(colours));
  if (d->vtkCloudBuilt) d->applyVtkColours();
  d->colorBar->SetTitle(title.toUtf8().constData());
  d->colorBar->VisibilityOn();
  d->legend->VisibilityOff();
  update();
}

void ScatterView::setCaption(const QString& text) {
  d->captionText = text.toStdString();
  d->fitCaption();
  update();
}

void ScatterView::setMode(Mode mode) {
  d->mode = mode;
  d->applyMode();
  d->syncDrawing();
  d->resetCamera();
  update();
}

ScatterView::Mode ScatterView::mode() const {
  return d->mode;
}

void ScatterView::resetCamera() {
  d->resetCamera();
  update();
}

ScatterView::CameraState ScatterView::cameraState() const {
  vtkCamera* camera = d->renderer->GetActiveCamera();
  CameraState state;
  camera->GetPosition(state.position.data());
  camera->GetFocalPoint(state.focalPoint.data());
  camera->GetViewUp(state.viewUp.data());
  state.parallelScale = camera->GetParallelScale();
  return state;
}

int ScatterView::pointAt(const QPoint& pos, double radius) const {
  const double ratio = devicePixelRatioF();
  const double x = pos.x() * ratio;
  const double y = d->window->GetSize()[1] - pos.y() * ratio;
  return d->nearestPoint(x, y, radius * ratio);
}

QPointF ScatterView::widgetPosition(int index) const {
  if (index < 0 || index >= d->count()) return {};
  return d->widgetPositionOf(d->at(index));
}

std::vector<QPointF> ScatterView::widgetPositions() const {
  std::vector<int> all(size_t(d->count()));
  std::iota(all.begin(), all.end(), 0);
  std::vector<QPointF> out(all.size(), QPointF(NAN, NAN));
  if (d->dense) {
    // One transform for all (each widgetPosition asks the camera again).
    const ScreenTransform t = d->drawnTransform();
    const auto xy = d->density->positions(all);
    for (size_t i = 0; i < xy.size(); ++i)
      if (std::isfinite(xy[i][0]) && std::isfinite(xy[i][1]))
        out[i] = d->displayToWidget(t.a * xy[i][0] + t.b * xy[i][1] + t.c,
                                    t.d * xy[i][0] + t.e * xy[i][1] + t.f);
    return out;
  }
  for (int i : all) {
    const auto p = d->at(i);
    if (std::isfinite(p[0]) && std::isfinite(p[1]) && std::isfinite(p[2]))
      out[size_t(i)] = d->widgetPositionOf(p);
  }
  return out;
}

QPointF ScatterView::Impl::widgetPositionOf(const std::array<float, 3>& p) const {
  if (dense) {
    const ScreenTransform t = drawnTransform();
    return displayToWidget(t.a * p[0] + t.b * p[1] + t.c, t.d * p[0] + t.e * p[1] + t.f);
  }
  renderer->SetWorldPoint(p[0], p[1], p[2], 1.0);
  renderer->WorldToDisplay();
  double display[3];
  renderer->GetDisplayPoint(display);
  return displayToWidget(display[0], display[1]);
}

void ScatterView::setHighlighted(int index) {
  d->highlighted = index;
  d->updateMarker();
  update();
}

void ScatterView::setVisibleMask(const std::vector<char>& visible) {
  d->visible = visible;
  if (!d->visible.empty() && d->visible.size() != size_t(d->count()))
    d->visible.resize(size_t(d->count()), 1);
  d->density->setVisible(&d->visible);
  if (d->vtkCloudBuilt) d->updateCells();
  if (!d->dense) d->fillSubset(d->selected, d->selection);
  update();
}

std::vector<int> ScatterView::pointsInside(const QPolygonF& polygon) const {
  if (d->dense) {
    const double ratio = devicePixelRatioF(), height = d->window->GetSize()[1];
    std::vector<std::pair<double, double>> display;
    for (const QPointF& p : polygon) display.emplace_back(p.x() * ratio, height - p.y() * ratio);
    return d->density->inside(d->drawnTransform(), display);
  }
  const QRectF bounds = polygon.boundingRect();
  const std::vector<QPointF> at = d->projected();
  std::vector<int> inside;
  for (size_t i = 0; i < at.size(); ++i)
    if (!std::isnan(at[i].x()) && bounds.contains(at[i]) &&
        polygon.containsPoint(at[i], Qt::OddEvenFill))
      inside.push_back(int(i));
  return inside;
}

void ScatterView::setSelection(std::vector<int> indices) {
  const int64_t n = d->count();
  indices.erase(
      std::remove_if(indices.begin(), indices.end(), [n](int i) { return i < 0 || i >= n; }),
      indices.end());
  d->selection = std::move(indices);
  if (d->dense)
    d->density->setSelection(&d->selection);
  else
    d->fillSubset(d->selected, d->selection);
  update();
}

void ScatterView::setNeighbours(const std::vector<int>& indices) {
  d->fillSubset(d->neighbours, indices);
  update();
}

const std::vector<int>& ScatterView::selection() const {
  return d->selection;
}

void ScatterView::setInteracting(bool interacting) {
  d->setSparse(interacting);
}

void ScatterView::setPath(const std::vector<float>& xy) {
  vtkNew<vtkPoints> points;
  for (size_t i = 0; i + 1 < xy.size(); i += 2) points->InsertNextPoint(xy[i], xy[i + 1], 0.0);
  const vtkIdType m = points->GetNumberOfPoints();
  vtkNew<vtkCellArray> lines;
  if (m >= 2) {
    lines->InsertNextCell(m);
    for (vtkIdType i = 0; i < m; ++i) lines->InsertCellPoint(i);
  }
  d->path->SetPoints(points);
  d->path->SetLines(lines);
  d->path->SetVerts(vertexCells(m));
  d->path->Modified();
  update();
}

void ScatterView::initializeGL() {
  d->contextGoingAway = connect(context(), &QOpenGLContext::aboutToBeDestroyed, this, [this] {
    if (!d->glReady) return;
    makeCurrent();
    d->density->releaseGraphics(d->window);
    d->window->Finalize();
    d->glReady = false;
  });
  d->window->GetState()->Reset();
  d->window->SetOwnContext(false);
  d->window->SetReadyForRendering(true);
  d->window->OpenGLInitContext();
  d->glReady = true;
  d->applyMode();
}

void ScatterView::resizeGL(int w, int h) {
  const double ratio = devicePixelRatioF();
  const int pw = int(std::lround(w * ratio)), ph = int(std::lround(h * ratio));
  d->window->SetSize(pw, ph);
  d->interactor->SetSize(pw, ph);
  d->interactor->ConfigureEvent();
  d->layoutLegend();
  d->fitCaption();
}

void ScatterView::paintGL() {
  if (!d->glReady) return;
  vtkOpenGLState* state = d->window->GetState();
  state->vtkglDepthFunc(GL_LEQUAL);  // Qt leaves GL_LESS; VTK expects GL_LEQUAL
  d->renderer->ResetCameraClippingRange(d->bounds.data());
  d->drawingNote->SetVisibility(d->dense);
  if (d->dense) {
    const int* size = d->window->GetSize();
    d->lastFrame = d->density->render(d->screenTransform(), size[0], size[1]);
    d->drawingNote->SetDisplayPosition(size[0] - 10, 8);
    d->drawingNote->SetInput(d->drawingNoteText().toUtf8().constData());
  }
  QElapsedTimer vtkTime;
  vtkTime.start();
  d->window->Render();
  d->lastRenderMs = double(vtkTime.nsecsElapsed()) / 1e6;

  // VTK drew into its own framebuffer; copy it into the one Qt composes from.
  makeCurrent();
  QOpenGLExtraFunctions* gl = context()->extraFunctions();
  gl->glBindFramebuffer(GL_DRAW_FRAMEBUFFER, defaultFramebufferObject());
  const GLenum buffers[1] = {GL_COLOR_ATTACHMENT0};
  gl->glDrawBuffers(1, buffers);
  state->vtkglDisable(GL_SCISSOR_TEST);
  gl->glDisable(GL_SCISSOR_TEST);
  const int* source = d->window->GetRenderFramebuffer()->GetLastSize();
  const QSize target = size() * devicePixelRatioF();
  d->window->BlitDisplayFramebuffer(0, 0, 0, source[0], source[1], 0, 0, target.width(),
                                    target.height(), GL_COLOR_BUFFER_BIT, GL_NEAREST);
  // Qt composes with alpha, which VTK leaves undefined: make the view opaque.
  gl->glColorMask(GL_FALSE, GL_FALSE, GL_FALSE, GL_TRUE);
  gl->glClearColor(0.0f, 0.0f, 0.0f, 1.0f);
  gl->glViewport(0, 0, target.width(), target.height());
  gl->glClear(GL_COLOR_BUFFER_BIT);
  gl->glColorMask(GL_TRUE, GL_TRUE, GL_TRUE, GL_TRUE);
  if (d->lasso.size() >= 2) {
    QPainter painter(this);
    painter.setRenderHint(QPainter::Antialiasing);
    painter.setPen(QPen(QColor(30, 30, 30), 1.5, Qt::DashLine));
    painter.setBrush(QColor(30, 30, 30, 25));
    painter.drawPolygon(d->lasso);
  }
}

void ScatterView::mousePressEvent(QMouseEvent* event) {
  d->pressPos = event->pos();
  d->pressButton = event->button();
  if (event->button() == Qt::LeftButton &&
      (event->modifiers() & (Qt::ShiftModifier | Qt::ControlModifier))) {
    d->gesture =
        (event->modifiers() & Qt::ShiftModifier) ? Impl::Gesture::Lasso : Impl::Gesture::Box;
    d->lasso = QPolygonF({event->position()});
    return;  // the camera stays put while selecting
  }
  d->setSparse(true);
  switch (event->button()) {
    case Qt::LeftButton:
      d->forward(event, vtkCommand::LeftButtonPressEvent);
      break;
    case Qt::MiddleButton:
      d->forward(event, vtkCommand::MiddleButtonPressEvent);
      break;
    case Qt::RightButton:
      d->forward(event, vtkCommand::RightButtonPressEvent);
      break;
    default:
      break;
  }
}

void ScatterView::mouseMoveEvent(QMouseEvent* event) {
  if (d->gesture != Impl::Gesture::None) {
    if (d->gesture == Impl::Gesture::Lasso) {
      d->lasso << event->position();
    } else {
      const QPointF a = d->lasso.front(), b = event->position();
      d->lasso = QPolygonF({a, QPointF(b.x(), a.y()), b, QPointF(a.x(), b.y())});
    }
    update();
    return;
  }
  d->forward(event, vtkCommand::MouseMoveEvent);
  if (event->buttons() != Qt::NoButton) return;
  const int index = pointAt(event->pos());
  if (index != d->hovered) {
    d->hovered = index;
    if (index >= 0) Q_EMIT pointHovered(index);
  }
}

void ScatterView::mouseReleaseEvent(QMouseEvent* event) {
  if (d->gesture != Impl::Gesture::None) {
    const QPolygonF polygon = d->lasso;
    d->gesture = Impl::Gesture::None;
    d->lasso.clear();
    d->pressButton = Qt::NoButton;
    if (polygon.size() >= 3) {
      setSelection(pointsInside(polygon));
      Q_EMIT selectionChanged(d->selection);
    }
    update();
    return;
  }
  d->setSparse(false);
  switch (event->button()) {
    case Qt::LeftButton:
      d->forward(event, vtkCommand::LeftButtonReleaseEvent);
      break;
    case Qt::MiddleButton:
      d->forward(event, vtkCommand::MiddleButtonReleaseEvent);
      break;
    case Qt::RightButton:
      d->forward(event, vtkCommand::RightButtonReleaseEvent);
      break;
    default:
      break;
  }
  const bool isClick = event->button() == Qt::LeftButton && d->pressButton == Qt::LeftButton &&
                       (event->pos() - d->pressPos).manhattanLength() <= 3;
  d->pressButton = Qt::NoButton;
  if (!isClick) return;
  const int index = pointAt(event->pos());
  setHighlighted(index);
  Q_EMIT pointClicked(index);
  if (index < 0 && d->mode == Mode::TwoD) {
    const double ratio = devicePixelRatioF();
    d->renderer->SetDisplayPoint(event->position().x() * ratio,
                                 d->window->GetSize()[1] - event->position().y() * ratio, 0);
    d->renderer->DisplayToWorld();
    double world[4];
    d->renderer->GetWorldPoint(world);
    if (world[3] != 0) Q_EMIT backgroundClicked(QPointF(world[0] / world[3], world[1] / world[3]));
  }
}

void ScatterView::mouseDoubleClickEvent(QMouseEvent* event) {
  // A double click resets the view, as in most plotting tools.
  if (event->button() == Qt::LeftButton) resetCamera();
}

void ScatterView::wheelEvent(QWheelEvent* event) {
  const double ratio = devicePixelRatioF();
  const QPointF p = event->position() * ratio;
  d->interactor->SetEventInformationFlipY(int(p.x()), int(p.y()), 0, 0);
  d->setSparse(true);
  d->settle->start();
  const int delta = event->angleDelta().y();
  if (delta > 0) d->interactor->InvokeEvent(vtkCommand::MouseWheelForwardEvent, event);
  if (delta < 0) d->interactor->InvokeEvent(vtkCommand::MouseWheelBackwardEvent, event);
  event->accept();
}

void ScatterView::leaveEvent(QEvent* event) {
  d->interactor->InvokeEvent(vtkCommand::LeaveEvent, event);
  QOpenGLWidget::leaveEvent(event);
}

}  // namespace strata
