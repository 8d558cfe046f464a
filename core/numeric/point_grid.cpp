#include "core/numeric/point_grid.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <thread>

namespace strata {
namespace {

bool finitePoint(const PointColumns& points, int64_t i) {
  const float* p = points.xy + i * points.stride;
  return std::isfinite(p[0]) && std::isfinite(p[1]);
}

// A rasterised polygon: 0 outside, 1 wholly inside, 2 crossed by an edge (test exactly).
struct PolygonMask {
  double originU = 0, originV = 0, cell = 1;
  int width = 0, height = 0;
  std::vector<uint8_t> state;

  enum : uint8_t { Outside = 0, Inside = 1, Edge = 2 };

  double perCell = 1;  // 1 / cell

  // A summary of the mask in blocks of kBlock x kBlock cells, small enough to stay in the
  // nearest cache while a scan looks up every point: Inside or Outside when every cell of the
  // block is, Edge when the cells must be asked.
  static constexpr int kBlockShift = 3;
  int blockWidth = 0, blockHeight = 0;
  std::vector<uint8_t> blocks;

  // Inside or Outside when every mask cell under the display rectangle is; Edge otherwise.
  uint8_t region(double u0, double v0, double u1, double v1) const {
    // Compared as doubles first: a cell far off the screen may lie beyond int's range.
    const double i0 = std::floor((u0 - originU) * perCell),
                 i1 = std::floor((u1 - originU) * perCell);
    const double j0 = std::floor((v0 - originV) * perCell),
                 j1 = std::floor((v1 - originV) * perCell);
    if (!(i1 >= 0 && j1 >= 0 && i0 < width && j0 < height)) return Outside;
    if (!(i0 >= 0 && j0 >= 0 && i1 < width && j1 < height)) return Edge;
    const uint8_t first = state[size_t(j0) * size_t(width) + size_t(i0)];
    if (first == Edge) return Edge;
    for (int j = int(j0); j <= int(j1); ++j)
      for (int i = int(i0); i <= int(i1); ++i)
        if (state[size_t(j) * size_t(width) + size_t(i)] != first) return Edge;
    return first;
  }

  uint8_t at(double u, double v) const {
    const double i = (u - originU) * perCell, j = (v - originV) * perCell;
    if (!(i >= 0 && j >= 0 && i < width && j < height)) return Outside;  // also NaN
    return state[size_t(j) * size_t(width) + size_t(i)];
  }
};

// Cells up to this many per side; larger polygons get coarser cells (still exact: only the
// share of points tested one by one grows).
constexpr int kMaxMaskSide = 4096;

// Inside: the centre of each cell on each row, by the crossings of that row's centre line.
void fillInside(PolygonMask& mask, const std::vector<std::pair<double, double>>& polygon) {
  std::vector<double> crossings;
  const size_t n = polygon.size();
  for (int j = 0; j < mask.height; ++j) {
    const double y = mask.originV + (j + 0.5) * mask.cell;
    crossings.clear();
    for (size_t k = 0; k < n; ++k) {
      const auto [x1, y1] = polygon[k];
      const auto [x2, y2] = polygon[(k + 1) % n];
      if ((y1 > y) != (y2 > y)) crossings.push_back(x1 + (y - y1) * (x2 - x1) / (y2 - y1));
    }
    std::sort(crossings.begin(), crossings.end());
    uint8_t* row = mask.state.data() + size_t(j) * size_t(mask.width);
    for (size_t k = 0; k + 1 < crossings.size(); k += 2) {
      // Cells whose centre x lies in (crossings[k], crossings[k+1]).
      const int first =
          std::max(0, int(std::ceil((crossings[k] - mask.originU) / mask.cell - 0.5)));
      const int last = std::min(
          mask.width - 1, int(std::floor((crossings[k + 1] - mask.originU) / mask.cell - 0.5)));
      for (int i = first; i <= last; ++i) row[i] = PolygonMask::Inside;
    }
  }
}

// Edges: every cell an edge passes through, and its neighbours (samples every half cell, so
// no cell the segment touches is missed), is tested point by point.
void markEdges(PolygonMask& mask, const std::vector<std::pair<double, double>>& polygon) {
  const size_t n = polygon.size();
  for (size_t k = 0; k < n; ++k) {
    const auto [x1, y1] = polygon[k];
    const auto [x2, y2] = polygon[(k + 1) % n];
    const double length = std::hypot(x2 - x1, y2 - y1) / mask.cell;
    const int steps = int(std::ceil(length * 2)) + 1;
    for (int s = 0; s <= steps; ++s) {
      const double t = double(s) / steps;
      const int ci = int(std::floor((x1 + t * (x2 - x1) - mask.originU) / mask.cell));
      const int cj = int(std::floor((y1 + t * (y2 - y1) - mask.originV) / mask.cell));
      for (int dj = -1; dj <= 1; ++dj)
        for (int di = -1; di <= 1; ++di) {
          const int i = ci + di, j = cj + dj;
          if (i >= 0 && j >= 0 && i < mask.width && j < mask.height)
            mask.state[size_t(j) * size_t(mask.width) + size_t(i)] = PolygonMask::Edge;
        }
    }
  }
}

void summariseBlocks(PolygonMask& mask) {
  const int shift = PolygonMask::kBlockShift;
  mask.blockWidth = (mask.width >> shift) + 1;
  mask.blockHeight = (mask.height >> shift) + 1;
  constexpr uint8_t kUnset = 255;
  mask.blocks.assign(size_t(mask.blockWidth) * size_t(mask.blockHeight), kUnset);
  for (int j = 0; j < mask.height; ++j) {
    const uint8_t* row = mask.state.data() + size_t(j) * size_t(mask.width);
    uint8_t* blockRow = mask.blocks.data() + size_t(j >> shift) * size_t(mask.blockWidth);
    for (int i = 0; i < mask.width; ++i) {
      uint8_t& block = blockRow[i >> shift];
      if (block == kUnset)
        block = row[i];
      else if (block != row[i])
        block = PolygonMask::Edge;
    }
  }
  // Blocks reaching past the mask's last row or column hold cells beyond it, which are
  // outside; their points fall off the mask and are caught by the bounds test first.
  for (uint8_t& block : mask.blocks)
    if (block == kUnset) block = PolygonMask::Outside;
}

PolygonMask rasterise(const std::vector<std::pair<double, double>>& polygon) {
  PolygonMask mask;
  double minU = std::numeric_limits<double>::max(), minV = minU;
  double maxU = std::numeric_limits<double>::lowest(), maxV = maxU;
  for (auto [u, v] : polygon) {
    minU = std::min(minU, u), maxU = std::max(maxU, u);
    minV = std::min(minV, v), maxV = std::max(maxV, v);
  }
  mask.cell = std::max(1.0, std::ceil(std::max(maxU - minU, maxV - minV) / (kMaxMaskSide - 4)));
  mask.perCell = 1.0 / mask.cell;
  mask.originU = std::floor(minU) - mask.cell;
  mask.originV = std::floor(minV) - mask.cell;
  mask.width = int(std::ceil((maxU - mask.originU) / mask.cell)) + 2;
  mask.height = int(std::ceil((maxV - mask.originV) / mask.cell)) + 2;
  mask.state.assign(size_t(mask.width) * size_t(mask.height), PolygonMask::Outside);
  fillInside(mask, polygon);
  markEdges(mask, polygon);
  summariseBlocks(mask);
  return mask;
}

// The world rectangle a display rectangle shows (its four corners' bounds).
bool worldBounds(const ScreenTransform& t, double u0, double v0, double u1, double v1,
                 double bounds[4]) {
  bounds[0] = bounds[1] = std::numeric_limits<double>::max();
  bounds[2] = bounds[3] = std::numeric_limits<double>::lowest();
  for (auto [u, v] : {std::pair{u0, v0}, {u1, v0}, {u0, v1}, {u1, v1}}) {
    double x, y;
    if (!t.unmap(u, v, x, y)) return false;
    bounds[0] = std::min(bounds[0], x), bounds[1] = std::min(bounds[1], y);
    bounds[2] = std::max(bounds[2], x), bounds[3] = std::max(bounds[3], y);
  }
  return true;
}

// How many points the grid keeps in the cells the world rectangle overlaps.
int64_t pointsInCells(const PointGrid& grid, const double world[4]) {
  int64_t count = 0;
  for (auto [begin, end] : grid.rangesIn(world[0], world[1], world[2], world[3]))
    count += end - begin;
  return count;
}

// Three vertices or more, all finite: anything else encloses no point.
bool usablePolygon(const std::vector<std::pair<double, double>>& polygon) {
  if (polygon.size() < 3) return false;
  for (auto [u, v] : polygon)
    if (!std::isfinite(u) || !std::isfinite(v)) return false;
  return true;
}

// Calls visit(i) for every visible point the grid places in the world rectangle `bounds`, or
// for every visible point when there is no grid yet (it is built on a worker).
template <typename Visit>
void forEachCandidate(const PointColumns& points, const PointGrid& grid, const double bounds[4],
                      Visit&& visit) {
  auto consider = [&](int64_t i) {
    if (!points.visible || points.visible[i]) visit(i);
  };
  const auto ranges = grid.empty() ? std::vector<std::pair<int64_t, int64_t>>{}
                                   : grid.rangesIn(bounds[0], bounds[1], bounds[2], bounds[3]);
  int64_t candidates = 0;
  for (auto [begin, end] : ranges) candidates += end - begin;
  // Scattered reads through the grid cost about as much as reading sixteen points in order.
  if (grid.empty() || candidates * 16 > points.count) {
    for (int64_t i = 0; i < points.count; ++i) consider(i);
    return;
  }
  const std::vector<uint32_t>& order = grid.order();
  for (auto [begin, end] : ranges)
    for (int64_t k = begin; k < end; ++k) consider(int64_t(order[size_t(k)]));
}

}  // namespace

PointGrid::PointGrid(const PointColumns& points, int64_t pointsPerCell) {
  sourcePoints_ = std::max<int64_t>(points.count, 0);
  double minX = std::numeric_limits<double>::max(), minY = minX;
  double maxX = std::numeric_limits<double>::lowest(), maxY = maxX;
  int64_t finite = 0;
  for (int64_t i = 0; i < points.count; ++i) {
    if (!finitePoint(points, i)) continue;
    const float* p = points.xy + i * points.stride;
    minX = std::min(minX, double(p[0])), maxX = std::max(maxX, double(p[0]));
    minY = std::min(minY, double(p[1])), maxY = std::max(maxY, double(p[1]));
    ++finite;
  }
  if (finite == 0) return;
  const double spanX = std::max(maxX - minX, 1e-12), spanY = std::max(maxY - minY, 1e-12);
  const double cells = std::clamp(double(finite) / double(std::max<int64_t>(pointsPerCell, 1)), 1.0,
                                  double(1 << 22));
  columns_ = std::clamp(int(std::lround(std::sqrt(cells * spanX / spanY))), 1, 1 << 14);
  rows_ = std::clamp(int(std::lround(cells / columns_)), 1, 1 << 14);
  minX_ = minX;
  minY_ = minY;
  cellWidth_ = spanX / columns_;
  cellHeight_ = spanY / rows_;

  // Counting sort by cell; the cell is computed twice rather than stored, so building needs
  // no memory beyond the index itself.
  auto cellOf = [&](int64_t i) {
    const float* p = points.xy + i * points.stride;
    return size_t(cellRow(p[1])) * size_t(columns_) + size_t(cellColumn(p[0]));
  };
  cellStart_.assign(size_t(rows_) * size_t(columns_) + 1, 0);
  for (int64_t i = 0; i < points.count; ++i)
    if (finitePoint(points, i)) ++cellStart_[cellOf(i) + 1];
  for (size_t c = 1; c < cellStart_.size(); ++c) cellStart_[c] += cellStart_[c - 1];
  order_.resize(size_t(finite));
  std::vector<uint32_t> next(cellStart_.begin(), cellStart_.end() - 1);
  for (int64_t i = 0; i < points.count; ++i)
    if (finitePoint(points, i)) order_[next[cellOf(i)]++] = uint32_t(i);
}

int PointGrid::cellColumn(double x) const {
  return std::clamp(int(std::floor((x - minX_) / cellWidth_)), 0, columns_ - 1);
}

int PointGrid::cellRow(double y) const {
  return std::clamp(int(std::floor((y - minY_) / cellHeight_)), 0, rows_ - 1);
}

std::vector<std::pair<int64_t, int64_t>> PointGrid::rangesIn(double minX, double minY, double maxX,
                                                             double maxY) const {
  std::vector<std::pair<int64_t, int64_t>> ranges;
  if (empty() || !(minX <= maxX && minY <= maxY)) return ranges;
  if (maxX < minX_ || maxY < minY_ || minX > minX_ + cellWidth_ * columns_ ||
      minY > minY_ + cellHeight_ * rows_)
    return ranges;
  const int c0 = cellColumn(minX), c1 = cellColumn(maxX);
  const int r0 = cellRow(minY), r1 = cellRow(maxY);
  for (int r = r0; r <= r1; ++r) {
    const int64_t begin = cellStart_[size_t(r) * size_t(columns_) + size_t(c0)];
    const int64_t end = cellStart_[size_t(r) * size_t(columns_) + size_t(c1) + 1];
    if (begin == end) continue;
    if (!ranges.empty() && ranges.back().second == begin)
      ranges.back().second = end;
    else
      ranges.emplace_back(begin, end);
  }
  return ranges;
}

std::vector<std::pair<int64_t, int64_t>> PointGrid::rangesOnScreen(const ScreenTransform& t,
                                                                   double u0, double u1, double v0,
                                                                   double v1) const {
  double b[4];
  if (!worldBounds(t, u0, v0, u1, v1, b)) return {};
  return rangesIn(b[0], b[1], b[2], b[3]);
}

void PointGrid::cellBounds(int column, int row, double bounds[4]) const {
  bounds[0] = minX_ + cellWidth_ * column;
  bounds[1] = minY_ + cellHeight_ * row;
  bounds[2] = bounds[0] + cellWidth_;
  bounds[3] = bounds[1] + cellHeight_;
}

std::pair<int64_t, int64_t> PointGrid::cellRange(int column, int row) const {
  const size_t c = size_t(row) * size_t(columns_) + size_t(column);
  return {cellStart_[c], cellStart_[c + 1]};
}

bool PointGrid::cellsIn(double minX, double minY, double maxX, double maxY, int cells[4]) const {
  if (empty() || !(minX <= maxX && minY <= maxY)) return false;
  if (maxX < minX_ || maxY < minY_ || minX > minX_ + cellWidth_ * columns_ ||
      minY > minY_ + cellHeight_ * rows_)
    return false;
  cells[0] = cellColumn(minX), cells[1] = cellRow(minY);
  cells[2] = cellColumn(maxX), cells[3] = cellRow(maxY);
  return true;
}

size_t PointGrid::memoryBytes() const {
  return (cellStart_.capacity() + order_.capacity()) * sizeof(uint32_t);
}

int64_t nearestOnScreen(const PointColumns& points, const PointGrid& grid, const ScreenTransform& t,
                        double u, double v, double radius) {
  double b[4];
  if (!worldBounds(t, u - radius, v - radius, u + radius, v + radius, b)) return -1;
  double best = radius * radius;
  int64_t bestIndex = -1;
  forEachCandidate(points, grid, b, [&](int64_t i) {
    const float* p = points.xy + i * points.stride;
    const double du = t.a * p[0] + t.b * p[1] + t.c - u;
    const double dv = t.d * p[0] + t.e * p[1] + t.f - v;
    const double d2 = du * du + dv * dv;
    if (d2 < best || (d2 == best && bestIndex >= 0 && i < bestIndex)) {
      best = d2;
      bestIndex = i;
    }
  });
  return bestIndex;
}

bool polygonContains(const std::vector<std::pair<double, double>>& polygon, double u, double v) {
  bool inside = false;
  const size_t n = polygon.size();
  for (size_t k = 0, prev = n - 1; k < n; prev = k++) {
    const auto [x1, y1] = polygon[prev];
    const auto [x2, y2] = polygon[k];
    if ((y1 > v) != (y2 > v) && u < x1 + (v - y1) * (x2 - x1) / (y2 - y1)) inside = !inside;
  }
  return inside;
}

namespace {

// One lasso or box: the polygon, rasterised once, against points under a transform.
struct PolygonQuery {
  const PointColumns& points;
  const ScreenTransform& t;
  const std::vector<std::pair<double, double>>& polygon;
  PolygonMask mask;

  bool visible(int64_t i) const { return !points.visible || points.visible[i]; }

  // The world rectangle the polygon's mask covers; false when the transform is singular.
  bool maskWorld(double world[4]) const {
    return worldBounds(t, mask.originU, mask.originV, mask.originU + mask.width * mask.cell,
                       mask.originV + mask.height * mask.cell, world);
  }

  bool contains(int64_t i) const {
    const float* p = points.xy + i * points.stride;
    const double u = t.a * p[0] + t.b * p[1] + t.c;
    const double v = t.d * p[0] + t.e * p[1] + t.f;
    const uint8_t state = mask.at(u, v);
    return state == PolygonMask::Inside ||
           (state == PolygonMask::Edge && polygonContains(polygon, u, v));
  }

  // Writes the index of every point of [begin, end) inside the polygon to out, ascending, and
  // returns how many. Written without a branch on the outcome (every index is stored, the
  // count advances only for points inside): in a cloud whose categories interleave, inside
  // and outside alternate unpredictably and a mispredicted branch cost more than the store.
  int64_t scanInto(int64_t begin, int64_t end, int* out) const {
    const double a = t.a, b = t.b, c = t.c, d = t.d, e = t.e, f = t.f;
    const double originU = mask.originU, originV = mask.originV, perCell = mask.perCell;
    const double width = mask.width, height = mask.height;
    const int rowLength = mask.width;
    const uint8_t* state = mask.state.data();
    const uint8_t* blocks = mask.blocks.data();
    const int blockWidth = mask.blockWidth, shift = PolygonMask::kBlockShift;
    const float* xy = points.xy;
    const int64_t stride = points.stride;
    const char* shown = points.visible;
    int64_t found = 0;
    for (int64_t k = begin; k < end; ++k) {
      const float* p = xy + k * stride;
      const double u = a * p[0] + b * p[1] + c, v = d * p[0] + e * p[1] + f;
      const double column = (u - originU) * perCell, row = (v - originV) * perCell;
      const bool onMask = (column >= 0) & (row >= 0) & (column < width) & (row < height);
      // int, not size_t: a double converts to a signed int in one instruction.
      const int i = onMask ? int(column) : 0, j = onMask ? int(row) : 0;
      uint8_t here = onMask ? blocks[(j >> shift) * blockWidth + (i >> shift)] : 0;
      if (here == PolygonMask::Edge) here = state[j * rowLength + i];
      if (here == PolygonMask::Edge) here = polygonContains(polygon, u, v) ? 1 : 0;
      if (shown && !shown[k]) here = 0;
      out[found] = int(k);
      found += here;
    }
    return found;
  }

  // Every point, in order, in halves on two threads when there are many. Both halves write
  // into the result (each into its own part, sized for all its points), and the second
  // half's indices then move down behind the first's: no vector grows, nothing is copied
  // twice.
  std::vector<int> scanAll() const {
    const int parts = points.count > 500000 ? 2 : 1;
    const int64_t middle = points.count * (parts - 1) / parts;
    std::vector<int> inside(size_t(points.count));
    if (parts == 1) {
      inside.resize(size_t(scanInto(0, points.count, inside.data())));
      return inside;
    }
    int64_t secondFound = 0;
    std::thread worker(
        [&] { secondFound = scanInto(middle, points.count, inside.data() + middle); });
    const int64_t firstFound = scanInto(0, middle, inside.data());
    worker.join();
    // The ranges may overlap (all of the first half inside): memmove, not copy.
    std::memmove(inside.data() + firstFound, inside.data() + middle,
                 size_t(secondFound) * sizeof(int));
    inside.resize(size_t(firstFound + secondFound));
    // The caller keeps the list (a selection): not room for every point when few are inside.
    if (inside.size() < size_t(points.count) / 4) inside.shrink_to_fit();
    return inside;
  }

  // The display rectangle a grid cell covers.
  void cellOnScreen(const PointGrid& grid, int column, int row, double box[4]) const {
    double cell[4];
    grid.cellBounds(column, row, cell);
    box[0] = box[1] = 1e300;
    box[2] = box[3] = -1e300;
    for (auto [x, y] : {std::pair{cell[0], cell[1]},
                        {cell[2], cell[1]},
                        {cell[0], cell[3]},
                        {cell[2], cell[3]}}) {
      const double u = t.a * x + t.b * y + t.c, v = t.d * x + t.e * y + t.f;
      box[0] = std::min(box[0], u), box[2] = std::max(box[2], u);
      box[1] = std::min(box[1], v), box[3] = std::max(box[3], v);
    }
  }

  // Through the grid: a cell the polygon wholly covers is taken without a test, one it misses
  // is skipped, only the points of cells its edges cross are tested one by one. Ascending.
  std::vector<int> throughCells(const PointGrid& grid, const double world[4]) const {
    std::vector<int> inside;
    const std::vector<uint32_t>& order = grid.order();
    forEachCellInside(grid, world, [&](int64_t k, bool test) {
      const int64_t i = order[size_t(k)];
      if (visible(i) && (!test || contains(i))) inside.push_back(int(i));
    });
    std::sort(inside.begin(), inside.end());
    return inside;
  }

  // The same when `points` are in the grid's order: found(half, k) for each grid position k
  // inside. Two threads take a half of the cells' rows each when there are many points (half
  // 0 the lower rows, whose positions come first).
  template <typename Found>
  void positionsThroughCells(const PointGrid& grid, const double world[4], Found&& found) const {
    int cells[4];
    if (!grid.cellsIn(world[0], world[1], world[2], world[3], cells)) return;
    // The row where the points of rows cells[1]..cells[3] are split in two.
    const int64_t first = grid.cellRange(0, cells[1]).first;
    const int64_t last = grid.cellRange(0, cells[3]).first;
    int middle = cells[1];
    while (middle < cells[3] && grid.cellRange(0, middle).first - first < (last - first) / 2)
      ++middle;
    auto collect = [&](int half, int rowBegin, int rowEnd) {
      const int limits[4] = {cells[0], rowBegin, cells[2], rowEnd};
      forEachCellInside(grid, limits, [&](int64_t k, bool test) {
        if (visible(k) && (!test || contains(k))) found(half, k);
      });
    };
    if (grid.indexedPoints() <= 500000 || middle == cells[1]) {
      collect(0, cells[1], cells[3]);
      return;
    }
    std::thread worker([&] { collect(1, middle, cells[3]); });
    collect(0, cells[1], middle - 1);
    worker.join();
  }

  // visit(k, test) for each grid position k of a cell the polygon may hold; `test` is false
  // when the polygon wholly covers the cell.
  template <typename Visit>
  void forEachCellInside(const PointGrid& grid, const double world[4], Visit&& visit) const {
    int cells[4];
    if (!grid.cellsIn(world[0], world[1], world[2], world[3], cells)) return;
    forEachCellInside(grid, cells, visit);
  }

  // The same over the cells {c0, r0, c1, r1} (inclusive).
  template <typename Visit>
  void forEachCellInside(const PointGrid& grid, const int cells[4], Visit&& visit) const {
    for (int row = cells[1]; row <= cells[3]; ++row)
      for (int column = cells[0]; column <= cells[2]; ++column) {
        const auto [begin, end] = grid.cellRange(column, row);
        if (begin == end) continue;
        double box[4];
        cellOnScreen(grid, column, row, box);
        const uint8_t state = mask.region(box[0], box[1], box[2], box[3]);
        if (state == PolygonMask::Outside) continue;
        for (int64_t k = begin; k < end; ++k) visit(k, state != PolygonMask::Inside);
      }
  }
};

// The indices, ascending, of the points a byte per point marks: collected in halves on two
// threads, each writing from the start of its own range as scanAll does, then moved down.
std::vector<int> markedIndices(const std::vector<char>& marked) {
  const int64_t n = int64_t(marked.size());
  const int parts = n > 500000 ? 2 : 1;
  std::vector<int> indices(size_t(n) + 1);
  int64_t found[2] = {0, 0};
  auto collect = [&](int part) {
    const int64_t begin = n * part / parts, end = n * (part + 1) / parts;
    int* out = indices.data() + begin;
    int64_t count = 0;
    for (int64_t i = begin; i < end; ++i) {  // without a branch on the outcome, as scanInto
      out[count] = int(i);
      count += marked[size_t(i)];
    }
    found[part] = count;
  };
  if (parts == 1) {
    collect(0);
  } else {
    std::thread worker([&] { collect(1); });
    collect(0);
    worker.join();
    // The ranges may overlap (all of the first half marked): memmove, not copy.
    std::memmove(indices.data() + found[0], indices.data() + n / 2, size_t(found[1]) * sizeof(int));
  }
  indices.resize(size_t(found[0] + found[1]));
  // The caller keeps the list (a selection): not room for every point when few are marked.
  if (indices.size() < size_t(n) / 4) indices.shrink_to_fit();
  return indices;
}

}  // namespace

std::vector<int> pointsInPolygon(const PointColumns& points, const PointGrid& grid,
                                 const ScreenTransform& t,
                                 const std::vector<std::pair<double, double>>& polygon) {
  if (!usablePolygon(polygon)) return {};
  const PolygonQuery query{points, t, polygon, rasterise(polygon)};
  double world[4];
  if (!query.maskWorld(world)) return {};
  // A lasso over much of the cloud scans every point in order (scattered reads through the
  // grid cost more than that); a smaller one goes through the grid's cells.
  if (grid.empty()) return query.scanAll();
  return pointsInCells(grid, world) * 16 > points.count ? query.scanAll()
                                                        : query.throughCells(grid, world);
}

std::vector<int> pointsInPolygonInGridOrder(const PointColumns& sorted, const PointGrid& grid,
                                            const ScreenTransform& t,
                                            const std::vector<std::pair<double, double>>& polygon) {
  if (!usablePolygon(polygon) || grid.empty() || sorted.count != grid.indexedPoints()) return {};
  const PolygonQuery query{sorted, t, polygon, rasterise(polygon)};
  double world[4];
  if (!query.maskWorld(world)) return {};
  // The points are stored cell by cell, so the cells' reads are in order: no scan beats them.
  // Their own indices come out of the grid's order: sorted when few, else marked in a byte per
  // point (distinct bytes, so both halves may write) and collected in one pass.
  const std::vector<uint32_t>& order = grid.order();
  if (pointsInCells(grid, world) * 64 < grid.sourcePoints()) {
    std::vector<int> halves[2];
    query.positionsThroughCells(
        grid, world, [&](int half, int64_t k) { halves[half].push_back(int(order[size_t(k)])); });
    halves[0].insert(halves[0].end(), halves[1].begin(), halves[1].end());
    std::sort(halves[0].begin(), halves[0].end());
    return std::move(halves[0]);
  }
  std::vector<char> marked(size_t(grid.sourcePoints()), 0);
  query.positionsThroughCells(grid, world, [&](int, int64_t k) { marked[order[size_t(k)]] = 1; });
  return markedIndices(marked);
}

int64_t nearestInGridOrder(const PointColumns& sorted, const PointGrid& grid,
                           const ScreenTransform& t, double u, double v, double radius) {
  double b[4];
  if (grid.empty() || sorted.count != grid.indexedPoints() ||
      !worldBounds(t, u - radius, v - radius, u + radius, v + radius, b))
    return -1;
  const std::vector<uint32_t>& order = grid.order();
  double best = radius * radius;
  int64_t bestIndex = -1;
  for (auto [begin, end] : grid.rangesIn(b[0], b[1], b[2], b[3]))
    for (int64_t k = begin; k < end; ++k) {
      if (sorted.visible && !sorted.visible[k]) continue;
      const float* p = sorted.xy + k * sorted.stride;
      const double du = t.a * p[0] + t.b * p[1] + t.c - u;
      const double dv = t.d * p[0] + t.e * p[1] + t.f - v;
      const double d2 = du * du + dv * dv;
      const int64_t i = order[size_t(k)];
      if (d2 < best || (d2 == best && bestIndex >= 0 && i < bestIndex)) {
        best = d2;
        bestIndex = i;
      }
    }
  return bestIndex;
}

std::vector<float> gatherInGridOrder(const PointColumns& points, const PointGrid& grid) {
  const std::vector<uint32_t>& order = grid.order();
  std::vector<float> sorted(order.size() * 2);
  for (size_t k = 0; k < order.size(); ++k) {
    const float* p = points.xy + int64_t(order[k]) * points.stride;
    sorted[2 * k] = p[0];
    sorted[2 * k + 1] = p[1];
  }
  return sorted;
}

}  // namespace strata
