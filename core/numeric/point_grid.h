#pragma once
// A spatial index for large 2-D point clouds: a uniform grid whose points are listed cell by
// cell (one counting sort, built once). Hover, click, lasso and box queries, and frames of a
// zoomed-in view, visit only the cells they overlap instead of scanning every point.

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "core/numeric/density_raster.h"

namespace strata {

class PointGrid {
 public:
  PointGrid() = default;
  // Indexes the finite points of `points` (non-finite ones are never found). About
  // `pointsPerCell` points per cell on average.
  explicit PointGrid(const PointColumns& points, int64_t pointsPerCell = 8);

  bool empty() const { return order_.empty(); }
  int64_t indexedPoints() const { return int64_t(order_.size()); }
  // How many points the columns it was built from held, finite or not (indices run below).
  int64_t sourcePoints() const { return sourcePoints_; }
  // Point indices, cell by cell; a cell's points are order()[cellStart(c) .. cellStart(c+1)).
  const std::vector<uint32_t>& order() const { return order_; }

  // Ranges [begin, end) of order() covering every cell that overlaps the world rectangle.
  std::vector<std::pair<int64_t, int64_t>> rangesIn(double minX, double minY, double maxX,
                                                    double maxY) const;
  // The same for the part of the world the display rectangle [u0, u1) x [v0, v1) shows under
  // `transform`.
  std::vector<std::pair<int64_t, int64_t>> rangesOnScreen(const ScreenTransform& transform,
                                                          double u0, double u1, double v0,
                                                          double v1) const;

  size_t memoryBytes() const;

  // Cells: the world rectangle of cell (column, row) as {minX, minY, maxX, maxY}, its range of
  // order(), and the cells a world rectangle overlaps ({c0, r0, c1, r1}, inclusive).
  void cellBounds(int column, int row, double bounds[4]) const;
  std::pair<int64_t, int64_t> cellRange(int column, int row) const;
  bool cellsIn(double minX, double minY, double maxX, double maxY, int cells[4]) const;

 private:
  int cellColumn(double x) const;
  int cellRow(double y) const;

  double minX_ = 0, minY_ = 0, cellWidth_ = 1, cellHeight_ = 1;
  int columns_ = 0, rows_ = 0;
  int64_t sourcePoints_ = 0;
  std::vector<uint32_t> cellStart_;  // rows * columns + 1
  std::vector<uint32_t> order_;
};

// The queries below scan every point when `grid` is empty (not built yet).

// The visible point drawn nearest to display position (u, v) within `radius` pixels, or -1.
// Ties go to the lower index.
int64_t nearestOnScreen(const PointColumns& points, const PointGrid& grid,
                        const ScreenTransform& transform, double u, double v, double radius);

// Visible points whose display position lies inside `polygon` (display coordinates, even-odd
// rule), in ascending order. The polygon is rasterised once: points in pixels it wholly
// covers are taken without a test, only those in pixels its edges cross are tested exactly.
// Indices are ints, as a view's selection is (clouds up to 2^31 points).
std::vector<int> pointsInPolygon(const PointColumns& points, const PointGrid& grid,
                                 const ScreenTransform& transform,
                                 const std::vector<std::pair<double, double>>& polygon);

// The same two queries on columns already in the grid's order: point k of `sorted` is point
// grid.order()[k], as gatherInGridOrder makes them. They answer with the points' own indices
// (ties again to the lower one), so a view that keeps only the grid-ordered copy of its
// coordinates needs no other.
int64_t nearestInGridOrder(const PointColumns& sorted, const PointGrid& grid,
                           const ScreenTransform& transform, double u, double v, double radius);
std::vector<int> pointsInPolygonInGridOrder(const PointColumns& sorted, const PointGrid& grid,
                                            const ScreenTransform& transform,
                                            const std::vector<std::pair<double, double>>& polygon);

// x and y of `points` in the grid's order ([indexedPoints, 2]).
std::vector<float> gatherInGridOrder(const PointColumns& points, const PointGrid& grid);

// Even-odd containment of one display position, exact (also used for the tests' reference).
bool polygonContains(const std::vector<std::pair<double, double>>& polygon, double u, double v);

}  // namespace strata
