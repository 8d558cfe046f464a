#pragma once
// A point-cloud view: VTK rendering inside a Qt 6 QOpenGLWidget. VTK stays in the .cpp.

#include <QOpenGLWidget>
#include <QPolygonF>
#include <QStringList>

#include <array>
#include <cstdint>
#include <memory>
#include <vector>

namespace strata {

class ScatterView : public QOpenGLWidget {
  Q_OBJECT

 public:
  // TwoD: orthographic, pan and zoom only. ThreeD: trackball rotation as well.
  enum class Mode { TwoD, ThreeD };

  struct CameraState {
    std::array<double, 3> position{};
    std::array<double, 3> focalPoint{};
    std::array<double, 3> viewUp{};
    double parallelScale = 0;
    bool operator==(const CameraState& o) const {
      return position == o.position && focalPoint == o.focalPoint && viewUp == o.viewUp &&
             parallelScale == o.parallelScale;
    }
  };

  explicit ScatterView(QWidget* parent = nullptr);
  ~ScatterView() override;

  // Row-major coordinates [n, dims], dims 2 or 3 (2-D points lie at z = 0).
  void setPoints(const std::vector<float>& coords, int dims);
  // The same without a copy: the view keeps a share of the caller's array (a large 2-D cloud
  // lets go of it once its points are held in the grid's order).
  void setPoints(std::shared_ptr<const std::vector<float>> coords, int dims);
  int pointCount() const;
  // Whether hover and lasso go through the point grid yet (built on a worker after
  // setPoints; until then they scan every point).
  bool pickingIndexed() const;

  // In 2-D, clouds above 100,000 points are drawn as an exact density picture of every point
  // (counts, category colours mixed by count, or mean values, on a histogram-equalised scale),
  // and as points again once the view shows 100,000 or fewer. Hover, click, lasso and box
  // work on every point at every zoom.
  bool drawsDensity() const;
  // Where density drawing starts (benchmarks compare with VTK's points by raising it).
  void setDensityThreshold(int64_t points);
  struct FrameInfo {
    int64_t pointsInView = 0;
    bool drawnAsPoints = false;
    bool shifted = false;  // a pan by whole pixels: the picture moved, new strips binned
    double binMs = 0, shadeMs = 0;
    double vtkMs = 0;  // VTK's render of the frame (overlays, and the copy of the picture)
  };
  // What the last frame drew and what it cost (benchmarks, tests).
  FrameInfo lastFrame() const;
  // Bytes the view holds for drawing: its coordinates, colours, index and pictures.
  size_t drawingBytes() const;
  // One category per point, coloured with the categorical palette and listed in a legend.
  void setCategoryColors(const std::vector<int>& categories, const QStringList& names);
  // One value per point, coloured with viridis and explained by a colour bar.
  void setScalarColors(const std::vector<float>& values, const QString& title);

  // A line of text in the lower-left corner, e.g. what the axes are.
  void setCaption(const QString& text);

  void setMode(Mode mode);
  Mode mode() const;
  void resetCamera();
  CameraState cameraState() const;

  // The point drawn nearest to `pos` (widget coordinates) within `radius` pixels, or -1.
  int pointAt(const QPoint& pos, double radius = 6.0) const;
  // Where point `index` is drawn, in widget coordinates. A large 2-D cloud keeps its points
  // only in its grid's order, where finding one point is a pass over the order: for many
  // points, ask widgetPositions.
  QPointF widgetPosition(int index) const;
  // Where every point is drawn, by index (NaN for points that are not finite).
  std::vector<QPointF> widgetPositions() const;
  // Marks one point (or none with -1) with a ring drawn above the others.
  void setHighlighted(int index);

  // Hides points (visible[i] == 0); hidden points are neither drawn nor picked. Empty: all.
  void setVisibleMask(const std::vector<char>& visible);
  // Points drawn inside a polygon given in widget coordinates (visible points only).
  std::vector<int> pointsInside(const QPolygonF& polygon) const;
  // Points drawn larger and darker above the others (a selection), and a second set drawn
  // in orange (e.g. nearest neighbours in latent space).
  // By value: a lasso's result (millions of indices) is moved in, not copied.
  void setSelection(std::vector<int> indices);
  void setNeighbours(const std::vector<int>& indices);
  const std::vector<int>& selection() const;
  // While interacting, 3-D clouds above 150,000 points draw an even subsample (the mouse turns
  // this on and off by itself; 2-D clouds that large are drawn as density, never subsampled).
  void setInteracting(bool interacting);
  // A polyline through the map (e.g. an interpolation), [m, 2] world coordinates; empty: none.
  void setPath(const std::vector<float>& xy);

 Q_SIGNALS:
  void pointHovered(int index);
  void pointClicked(int index);
  // Shift-drag draws a lasso, Ctrl-drag a box; the points inside become the selection.
  void selectionChanged(const std::vector<int>& indices);
  // A click (in 2-D) that hit no point, in world coordinates.
  void backgroundClicked(const QPointF& world);

 protected:
  void initializeGL() override;
  void resizeGL(int w, int h) override;
  void paintGL() override;
  void mousePressEvent(QMouseEvent* event) override;
  void mouseMoveEvent(QMouseEvent* event) override;
  void mouseReleaseEvent(QMouseEvent* event) override;
  void mouseDoubleClickEvent(QMouseEvent* event) override;
  void wheelEvent(QWheelEvent* event) override;
  void leaveEvent(QEvent* event) override;

 private:
  struct Impl;
  std::unique_ptr<Impl> d;
};

}  // namespace strata
