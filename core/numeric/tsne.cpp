#include "core/numeric/tsne.h"

#include <fftw3.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <memory>
#include <mutex>
#include <random>
#include <stdexcept>
#include <thread>

#include "core/numeric/knn.h"
#include "core/numeric/pca.h"

namespace strata {
namespace {

// Sparse symmetric P in CSR form.
struct SparseP {
  std::vector<int64_t> rowStart;
  std::vector<int32_t> columns;
  std::vector<double> values;
};

// p_j|i over one point's k neighbours (distances d, nearest first), the Gaussian's precision
// found by bisection so that the distribution's entropy is log(perplexity).
void conditionalRow(const float* d, int k, double target, double* p) {
  double beta = 1.0, lo = 0, hi = INFINITY;
  for (int iter = 0; iter < 200; ++iter) {
    double sum = 0, h = 0;
    for (int j = 0; j < k; ++j) {
      const double d2 = double(d[j]) * d[j];
      p[j] = std::exp(-beta * (d2 - double(d[0]) * d[0]));  // shifted for stability
      sum += p[j];
    }
    for (int j = 0; j < k; ++j) {
      p[j] /= sum;
      const double d2 = double(d[j]) * d[j] - double(d[0]) * d[0];
      h += beta * d2 * p[j];
    }
    h += std::log(sum);  // entropy of the normalised distribution
    if (std::abs(h - target) < 1e-5) break;
    if (h > target) {
      lo = beta;
      beta = std::isinf(hi) ? beta * 2 : (beta + hi) / 2;
    } else {
      hi = beta;
      beta = (beta + lo) / 2;
    }
  }
}

SparseP inputAffinities(const KnnGraph& g, double perplexity) {
  const int64_t n = g.n;
  const int k = g.k;
  std::vector<double> conditional(size_t(n) * size_t(k));
  const double target = std::log(perplexity);
  for (int64_t i = 0; i < n; ++i)
    conditionalRow(g.distances.data() + size_t(i) * size_t(k), k, target,
                   conditional.data() + size_t(i) * size_t(k));
  // Symmetrise: P_ij = (p_j|i + p_i|j) / 2n.
  std::vector<std::vector<std::pair<int32_t, double>>> rows(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i)
    for (int j = 0; j < k; ++j) {
      const int32_t c = g.indices[size_t(i) * size_t(k) + size_t(j)];
      const double v = conditional[size_t(i) * size_t(k) + size_t(j)] / (2.0 * double(n));
      rows[size_t(i)].push_back({c, v});
      rows[size_t(c)].push_back({int32_t(i), v});
    }
  SparseP P;
  P.rowStart.push_back(0);
  for (auto& row : rows) {
    std::sort(row.begin(), row.end());
    for (size_t a = 0; a < row.size();) {
      size_t b = a;
      double v = 0;
      while (b < row.size() && row[b].first == row[a].first) v += row[b++].second;
      P.columns.push_back(row[a].first);
      P.values.push_back(v);
      a = b;
    }
    P.rowStart.push_back(int64_t(P.columns.size()));
  }
  return P;
}

// Runs body(i, t) for every i in [0, n) with i on thread t = i % threads. The fixed assignment
// keeps per-thread partial sums, and so the layout, reproducible for a given thread count.
template <class Body>
void parallelFor(int64_t n, int threads, Body&& body) {
  threads = std::max(1, threads);
  std::vector<std::thread> pool;
  pool.reserve(size_t(threads));
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&, t] {
      for (int64_t i = t; i < n; i += threads) body(i, t);
    });
  for (auto& th : pool) th.join();
}

// Runs body(t) on threads t = 0 .. threads - 1 (the calling thread waits).
template <class Body>
void runOnThreads(int threads, Body&& body) {
  std::vector<std::thread> pool;
  pool.reserve(size_t(threads));
  for (int t = 0; t < threads; ++t) pool.emplace_back([&body, t] { body(t); });
  for (auto& th : pool) th.join();
}

// Runs body(begin, end, t) on `threads` contiguous, fixed slices of [0, n): for work that
// streams through memory (grids, points in order) where interleaving would share cache lines.
template <class Body>
void parallelSlices(int64_t n, int threads, Body&& body) {
  threads = int(std::max<int64_t>(1, std::min<int64_t>(threads, n)));
  runOnThreads(threads, [&](int t) { body(n * t / threads, n * (t + 1) / threads, t); });
}

// ---------------------------------------------------------------------------------------------
// Barnes-Hut: a 2-D quadtree or 3-D octree over the embedding.

template <int D>
class BarnesHutTree {
 public:
  explicit BarnesHutTree(const std::vector<double>& y) : y_(y) {
    const int64_t n = int64_t(y.size() / D);
    std::array<double, D> lo, hi;
    lo.fill(INFINITY);
    hi.fill(-INFINITY);
    for (int64_t i = 0; i < n; ++i)
      for (int d = 0; d < D; ++d) {
        lo[size_t(d)] = std::min(lo[size_t(d)], coordinate(i, d));
        hi[size_t(d)] = std::max(hi[size_t(d)], coordinate(i, d));
      }
    Node root;
    double widest = 0;
    for (int d = 0; d < D; ++d) {
      root.centre[size_t(d)] = (lo[size_t(d)] + hi[size_t(d)]) / 2;
      widest = std::max(widest, hi[size_t(d)] - lo[size_t(d)]);
    }
    root.half = widest / 2 + 1e-5;
    nodes_.push_back(root);
    nodes_.reserve(size_t(n) * 2);
    for (int64_t i = 0; i < n; ++i) insert(0, i, 0);
  }

  // Adds the repulsive force on point i to `force` and returns its share of Z.
  double repulse(int64_t i, double theta, double* force) const {
    return visit(0, i, theta * theta, force);
  }

 private:
  static constexpr int kChildren = 1 << D;

  struct Node {
    std::array<double, D> centre{};
    double half = 0;
    double mass = 0;
    std::array<double, D> centreOfMass{};
    int64_t point = -1;  // the single point in a leaf
    int32_t child = -1;  // first of kChildren children
  };

  double coordinate(int64_t i, int d) const { return y_[size_t(D * i + d)]; }

  void insert(int32_t node, int64_t i, int depth) {
    {
      Node& nd = nodes_[size_t(node)];
      for (int d = 0; d < D; ++d)
        nd.centreOfMass[size_t(d)] =
            (nd.centreOfMass[size_t(d)] * nd.mass + coordinate(i, d)) / (nd.mass + 1);
      nd.mass += 1;
      if (nd.child < 0) {
        if (nd.mass == 1) {
          nd.point = i;
          return;
        }
        if (depth > 50) return;  // (near-)duplicate points: an aggregated leaf
        const int64_t old = nd.point;
        nodes_[size_t(node)].point = -1;
        split(node);  // may reallocate: no references across this call
        if (old >= 0) insert(childFor(node, old), old, depth + 1);
      }
    }
    insert(childFor(node, i), i, depth + 1);
  }

  // Child c lies on the upper side of dimension d where bit d of c is set.
  int32_t childFor(int32_t node, int64_t i) const {
    const Node& nd = nodes_[size_t(node)];
    int32_t c = 0;
    for (int d = 0; d < D; ++d)
      if (coordinate(i, d) >= nd.centre[size_t(d)]) c |= 1 << d;
    return nd.child + c;
  }

  void split(int32_t node) {
    const Node parent = nodes_[size_t(node)];
    const int32_t first = int32_t(nodes_.size());
    for (int c = 0; c < kChildren; ++c) {
      Node child;
      child.half = parent.half / 2;
      for (int d = 0; d < D; ++d)
        child.centre[size_t(d)] =
            parent.centre[size_t(d)] + ((c >> d) & 1 ? child.half : -child.half);
      nodes_.push_back(child);
    }
    nodes_[size_t(node)].child = first;
  }

  double visit(int32_t node, int64_t i, double theta2, double* force) const {
    const Node& nd = nodes_[size_t(node)];
    if (nd.mass == 0 || (nd.child < 0 && nd.point == i && nd.mass == 1)) return 0;
    std::array<double, D> diff;
    double d2 = 0;
    for (int d = 0; d < D; ++d) {
      diff[size_t(d)] = coordinate(i, d) - nd.centreOfMass[size_t(d)];
      d2 += diff[size_t(d)] * diff[size_t(d)];
    }
    const double size = 2 * nd.half;
    if (nd.child < 0 || size * size < theta2 * d2) {
      double mass = nd.mass;
      if (nd.child < 0 && nd.point == i) mass -= 1;  // duplicates sharing a leaf
      const double q = 1.0 / (1.0 + d2);
      const double mq = mass * q;
      for (int d = 0; d < D; ++d) force[d] += mq * q * diff[size_t(d)];
      return mq;
    }
    double z = 0;
    for (int c = 0; c < kChildren; ++c) z += visit(nd.child + c, i, theta2, force);
    return z;
  }

  const std::vector<double>& y_;
  std::vector<Node> nodes_;
};

// Writes sum_j q_ij^2 (y_i - y_j) (q unnormalised) to `repel` and returns Z = sum_ij q_ij.
template <int D>
double barnesHutRepulsion(const std::vector<double>& y, double theta, int threads,
                          std::vector<double>& repel) {
  const int64_t n = int64_t(y.size() / D);
  const BarnesHutTree<D> tree(y);
  std::vector<double> zParts(static_cast<size_t>(std::max(1, threads)), 0.0);
  parallelFor(n, threads, [&](int64_t i, int t) {
    std::array<double, D> force{};
    zParts[size_t(t)] += tree.repulse(i, theta, force.data());
    for (int d = 0; d < D; ++d) repel[size_t(D * i + d)] = force[size_t(d)];
  });
  double z = 0;
  for (double part : zParts) z += part;
  return z;
}

// ---------------------------------------------------------------------------------------------
// FFT-accelerated interpolation (FIt-SNE, Linderman et al. 2019), two dimensions.
//
// With K1(d) = 1 / (1 + |d|^2) and K2 = K1^2 the repulsion needs, for every point i,
//   Z       = sum_{j != i} K1(y_i - y_j)
//   F_rep,i = sum_j K2(y_i - y_j) (y_i - y_j) = y_i sum_j K2(y_i - y_j) - sum_j K2(y_i - y_j) y_j,
// smooth kernels applied to the "charges" 1, y_j,x and y_j,y. The layout's bounding box is cut
// into equal square boxes with kNodesPerBox Lagrange interpolation nodes per box and
// dimension, which together form one equispaced grid. The charges are spread onto the nodes
// with the interpolation weights; applying a kernel between all pairs of nodes is then a
// convolution (the grid is equispaced), done with FFTs of the grid zero-padded to twice its
// size so that the circular convolution does not wrap around; the node potentials are
// interpolated back to the points. Cost per iteration: O(n) plus O(G log G) for G nodes, G
// depending on the layout's extent and not on n.
//
// (Convolving a unit charge with the vector kernel K2(d) d instead would avoid the difference
// above and two transforms, but measured against exact sums its interpolation error is about
// 1.5 times larger on the same grid, which costs the saving back.)

constexpr int kNodesPerBox = 3;  // Lagrange interpolation order p, as FIt-SNE
// The kernels vary on a length scale of 1, so boxes wider than that lose accuracy; boxes are
// cut at most this wide, and the longer side has at least kMinBoxes of them so that compact
// early layouts are resolved as finely as the paper's default.
constexpr double kMaxBoxWidth = 1.0;
constexpr int kMinBoxes = 50;
// A runaway layout gets wider boxes beyond this count instead, which bounds the memory (about
// half a GB at 500 boxes per side; layouts of 70,000 points typically need under 200).
constexpr int kMaxBoxes = 500;

// Smallest m >= n with no prime factors other than 2, 3 and 5, sizes FFTW transforms fastest.
int fftFriendlySize(int n) {
  for (int m = std::max(1, n);; ++m) {
    int rest = m;
    for (int factor : {2, 3, 5})
      while (rest % factor == 0) rest /= factor;
    if (rest == 1) return m;
  }
}

// Position of the interpolation node k inside a box, as a fraction of the box width.
constexpr double nodeOffset(int k) {
  return (k + 0.5) / kNodesPerBox;
}

using NodeWeights = std::array<double, kNodesPerBox>;

// 1 / prod_{m != k} (t_k - t_m) for the node offsets t: the Lagrange basis denominators.
constexpr NodeWeights lagrangeDenominatorInverses() {
  NodeWeights inverses{};
  for (int k = 0; k < kNodesPerBox; ++k) {
    double product = 1;
    for (int m = 0; m < kNodesPerBox; ++m)
      if (m != k) product *= nodeOffset(k) - nodeOffset(m);
    inverses[size_t(k)] = 1 / product;
  }
  return inverses;
}

// Lagrange basis polynomials of the box's nodes at fraction u of the box width.
NodeWeights lagrangeWeights(double u) {
  static constexpr NodeWeights kDenominatorInverses = lagrangeDenominatorInverses();
  NodeWeights w;
  for (int k = 0; k < kNodesPerBox; ++k) {
    double v = kDenominatorInverses[size_t(k)];
    for (int m = 0; m < kNodesPerBox; ++m)
      if (m != k) v *= u - nodeOffset(m);
    w[size_t(k)] = v;
  }
  return w;
}

// The equispaced node grid over the layout: nodes(d) nodes along dimension d, spacing
// boxWidth / kNodesPerBox, the first half a spacing inside `origin`.
struct InterpolationGrid {
  std::array<double, 2> origin{};
  std::array<int, 2> boxes{};
  double boxWidth = 1;

  int nodes(int d) const { return boxes[size_t(d)] * kNodesPerBox; }
  double nodeSpacing() const { return boxWidth / kNodesPerBox; }
  double centre(int d) const { return origin[size_t(d)] + boxes[size_t(d)] * boxWidth / 2; }
};

// Square boxes, so the kernels are sampled alike in both directions, and each dimension gets
// as many as its extent needs, which saves work on elongated layouts. The longer side gets
// max(kMinBoxes, extent / kMaxBoxWidth) boxes (up to kMaxBoxes) rounded up to an FFT-friendly
// count, as in the paper, so the boxes exactly span it and are at most kMaxBoxWidth wide.
//
// (A fixed box width would keep the grid, and so the kernels' spectra, the same for many
// iterations and save their transforms. But on Fashion-MNIST that gave more compact layouts
// and a kNN recall 0.005 to 0.007 lower, whether or not the grid was shifted or its width
// varied every iteration; matching this rule needed boxes 0.7 wide, which costs more than the
// saving.)
InterpolationGrid gridCovering(const std::vector<double>& y) {
  std::array<double, 2> lo{INFINITY, INFINITY}, hi{-INFINITY, -INFINITY};
  for (size_t c = 0; c < y.size(); ++c) {
    lo[c % 2] = std::min(lo[c % 2], y[c]);
    hi[c % 2] = std::max(hi[c % 2], y[c]);
  }
  const double widest = std::max({hi[0] - lo[0], hi[1] - lo[1], 1e-12});
  const int longSideBoxes = fftFriendlySize(
      int(std::clamp(std::ceil(widest / kMaxBoxWidth), double(kMinBoxes), double(kMaxBoxes))));
  InterpolationGrid g;
  g.origin = lo;
  g.boxWidth = widest / longSideBoxes;
  for (int d = 0; d < 2; ++d) {
    // Rounded down by a hair so that the long side keeps exactly longSideBoxes; a point past the
    // last box boundary by rounding is interpolated from the last box.
    const double extent = hi[size_t(d)] - lo[size_t(d)];
    g.boxes[size_t(d)] = fftFriendlySize(int(std::ceil(extent / g.boxWidth * (1 - 1e-9))));
  }
  return g;
}

// The FFTW planner (and FFTW's other calls besides fftwf_execute*) are not thread-safe; several
// layouts may be computed at once.
std::mutex& fftwMutex() {
  static std::mutex mutex;
  return mutex;
}

// Convolutions on a grid of nodeRows x nodeColumns nodes through FFTW: buffers holding a grid
// zero-padded to twice the size in each dimension, transformed in place into its half
// spectrum. The real view of a buffer has realRowStride() values per row (two more than the
// padded width: room for the spectrum), which halves the memory of separate arrays.
//
// Each 2-D real transform is done as its two passes, 1-D real transforms of the rows and 1-D
// complex transforms of the spectrum's columns, and each pass is split among the threads. That
// keeps the threads equally busy whatever the number of buffers, runs the multiplication and
// the first inverse pass on a thread's columns while they are in its cache, and skips work: the
// padding rows of a charge grid are zero, so their row transforms are skipped, and only the
// node rows of the inverse are computed (about a quarter less work than full 2-D transforms).
// Plans use FFTW_ESTIMATE: quick to make, and the same algorithm, hence the same results, on
// every run.
//
// The grids are single precision. The interpolation's own error is orders of magnitude larger
// than single precision's: against exact sums over 8,000 points, the gradient's relative error
// was the same in single and double precision at every layout size from 1 to 100 (4e-5 to
// 7e-2), and 1.4e-7 against 1.5e-11 on the compact layout of the first iterations. The
// transforms, half of t-SNE's time in double precision, move half the bytes and do twice the
// arithmetic per vector instruction. Charges are summed and potentials interpolated in double.
class PaddedGridFft {
 public:
  PaddedGridFft(int nodeRows, int nodeColumns, int buffers, int threads)
      : nodeRows_(nodeRows), nodeColumns_(nodeColumns) {
    std::lock_guard<std::mutex> lock(fftwMutex());
    for (int b = 0; b < buffers; ++b)
      buffers_.push_back(fftwf_alloc_complex(size_t(rows()) * size_t(spectrumColumns())));
    for (int t = 0; t < threads; ++t) slices_.push_back(planSlice(t, threads));
  }
  ~PaddedGridFft() {
    std::lock_guard<std::mutex> lock(fftwMutex());
    for (const Slice& slice : slices_)
      for (fftwf_plan plan : {slice.paddedRows, slice.fullRows, slice.columnsForward,
                              slice.columnsBackward, slice.inverseRows})
        if (plan) fftwf_destroy_plan(plan);
    for (fftwf_complex* buffer : buffers_) fftwf_free(buffer);
  }
  PaddedGridFft(const PaddedGridFft&) = delete;
  PaddedGridFft& operator=(const PaddedGridFft&) = delete;

  int nodeRows() const { return nodeRows_; }
  int nodeColumns() const { return nodeColumns_; }
  int rows() const { return 2 * nodeRows_; }
  int columns() const { return 2 * nodeColumns_; }
  int spectrumColumns() const { return nodeColumns_ + 1; }
  int realRowStride() const { return 2 * spectrumColumns(); }
  float* real(int b) { return reinterpret_cast<float*>(buffers_[size_t(b)]); }
  fftwf_complex* spectrum(int b) { return buffers_[size_t(b)]; }

  // Transforms the buffers `zeroPadded` (of which only the node rows are read; their columns
  // past the nodes up to columns() must be zero) and `full`, calls multiply(first, end) to
  // combine the spectra on the columns [first, end) of every row, and transforms the spectra
  // `results` back: unnormalised (times rows() * columns()) and on the node rows only.
  template <class Multiply>
  void convolve(const std::vector<int>& zeroPadded, const std::vector<int>& full,
                Multiply&& multiply, const std::vector<int>& results) {
    const int64_t realRow = realRowStride(), spectrumRow = spectrumColumns();
    runOnThreads(int(slices_.size()), [&](int t) {
      const Slice& s = slices_[size_t(t)];
      for (int b : zeroPadded) {
        if (s.paddedRows)
          fftwf_execute_dft_r2c(s.paddedRows, real(b) + s.nodeRowBegin * realRow,
                                spectrum(b) + s.nodeRowBegin * spectrumRow);
        // The padding rows' transforms are zero, as the rows are.
        fftwf_complex* padding = spectrum(b) + (nodeRows_ + s.nodeRowBegin) * spectrumRow;
        std::fill_n(&padding[0][0], 2 * (s.nodeRowEnd - s.nodeRowBegin) * spectrumRow, 0.0);
      }
      for (int b : full)
        if (s.fullRows)
          fftwf_execute_dft_r2c(s.fullRows, real(b) + s.rowBegin * realRow,
                                spectrum(b) + s.rowBegin * spectrumRow);
    });
    runOnThreads(int(slices_.size()), [&](int t) {
      const Slice& s = slices_[size_t(t)];
      if (!s.columnsForward) return;
      for (const std::vector<int>* inputs : {&zeroPadded, &full})
        for (int b : *inputs)
          fftwf_execute_dft(s.columnsForward, spectrum(b) + s.columnBegin,
                            spectrum(b) + s.columnBegin);
      multiply(s.columnBegin, s.columnEnd);
      for (int b : results)
        fftwf_execute_dft(s.columnsBackward, spectrum(b) + s.columnBegin,
                          spectrum(b) + s.columnBegin);
    });
    runOnThreads(int(slices_.size()), [&](int t) {
      const Slice& s = slices_[size_t(t)];
      if (!s.inverseRows) return;
      for (int b : results)
        fftwf_execute_dft_c2r(s.inverseRows, spectrum(b) + s.nodeRowBegin * spectrumRow,
                              real(b) + s.nodeRowBegin * realRow);
    });
  }

 private:
  // One thread's share of each pass, with plans made on buffer 0 at the share's offsets. Other
  // buffers come from the same allocator at the same offsets, so they have the alignment (and
  // in-place layout) that FFTW's new-array execution requires.
  struct Slice {
    int64_t nodeRowBegin = 0, nodeRowEnd = 0;  // of the node rows: forward and inverse
    int64_t rowBegin = 0, rowEnd = 0;          // of all rows: forward of unpadded buffers
    int64_t columnBegin = 0, columnEnd = 0;    // of the spectrum's columns
    fftwf_plan paddedRows = nullptr, fullRows = nullptr, columnsForward = nullptr,
               columnsBackward = nullptr, inverseRows = nullptr;  // null for an empty share
  };

  Slice planSlice(int t, int threads) const {
    Slice s;
    auto share = [t, threads](int64_t size, int64_t& begin, int64_t& end) {
      begin = size * t / threads;
      end = size * (t + 1) / threads;
      return int(end - begin);
    };
    const int nodeRowCount = share(nodeRows_, s.nodeRowBegin, s.nodeRowEnd);
    const int rowCount = share(rows(), s.rowBegin, s.rowEnd);
    const int columnCount = share(spectrumColumns(), s.columnBegin, s.columnEnd);
    const int realLength = columns(), columnLength = rows();
    const int realRow = realRowStride(), spectrumRow = spectrumColumns();
    fftwf_complex* spectrum0 = buffers_[0];
    float* real0 = reinterpret_cast<float*>(spectrum0);
    auto rowsForward = [&](int64_t begin, int count) {
      return count == 0
                 ? nullptr
                 : fftwf_plan_many_dft_r2c(1, &realLength, count, real0 + begin * realRow, nullptr,
                                           1, realRow, spectrum0 + begin * spectrumRow, nullptr, 1,
                                           spectrumRow, FFTW_ESTIMATE);
    };
    auto columnPass = [&](int sign) {
      fftwf_complex* first = spectrum0 + s.columnBegin;
      return columnCount == 0
                 ? nullptr
                 : fftwf_plan_many_dft(1, &columnLength, columnCount, first, nullptr, spectrumRow,
                                       1, first, nullptr, spectrumRow, 1, sign, FFTW_ESTIMATE);
    };
    s.paddedRows = rowsForward(s.nodeRowBegin, nodeRowCount);
    s.fullRows = rowsForward(s.rowBegin, rowCount);
    s.columnsForward = columnPass(FFTW_FORWARD);
    s.columnsBackward = columnPass(FFTW_BACKWARD);
    if (nodeRowCount > 0)
      s.inverseRows = fftwf_plan_many_dft_c2r(
          1, &realLength, nodeRowCount, spectrum0 + s.nodeRowBegin * spectrumRow, nullptr, 1,
          spectrumRow, real0 + s.nodeRowBegin * realRow, nullptr, 1, realRow, FFTW_ESTIMATE);
    return s;
  }

  int nodeRows_, nodeColumns_;
  std::vector<fftwf_complex*> buffers_;
  std::vector<Slice> slices_;
};

class FftRepulsion {
 public:
  explicit FftRepulsion(int threads) : threads_(std::max(1, threads)) {}

  // Writes sum_j q_ij^2 (y_i - y_j) (q unnormalised) to `repel` and returns Z = sum_ij q_ij.
  double compute(const std::vector<double>& y, std::vector<double>& repel) {
    grid_ = gridCovering(y);
    if (!fft_ || fft_->nodeRows() != grid_.nodes(0) || fft_->nodeColumns() != grid_.nodes(1))
      fft_ =
          std::make_unique<PaddedGridFft>(grid_.nodes(0), grid_.nodes(1), kBufferCount, threads_);
    spreadCharges(y);
    convolve();
    return interpolatePotentials(y, repel);
  }

 private:
  // Buffers: charges and kernels, then (transformed in place) the potentials named below.
  enum Buffer { kUnitCharge, kChargeX, kChargeY, kKernel1, kKernel2, kBufferCount };
  static constexpr int kChargeCount = 3;
  static constexpr int kSumK1 = kKernel1;   // sum_j K1(y_i - y_j)
  static constexpr int kSumK2 = kKernel2;   // sum_j K2(y_i - y_j)
  static constexpr int kSumK2X = kChargeX;  // sum_j K2(y_i - y_j) y_j,x
  static constexpr int kSumK2Y = kChargeY;  // sum_j K2(y_i - y_j) y_j,y

  // The kNodesPerBox^2 nodes a point exchanges with, and their weights.
  struct Stencil {
    int firstRow = 0, firstColumn = 0;
    NodeWeights rowWeights{}, columnWeights{};
  };

  // Charges are coordinates relative to the grid's centre, which keeps the difference
  // y_i sum K2 - sum K2 y_j between smaller numbers.
  double charge(const std::vector<double>& y, int64_t i, int d) const {
    return y[size_t(2 * i + d)] - grid_.centre(d);
  }

  Stencil stencilOf(const std::vector<double>& y, int64_t i) const {
    Stencil s;
    for (int d = 0; d < 2; ++d) {
      const double position = (y[size_t(2 * i + d)] - grid_.origin[size_t(d)]) / grid_.boxWidth;
      const int box = std::clamp(int(position), 0, grid_.boxes[size_t(d)] - 1);
      (d == 0 ? s.rowWeights : s.columnWeights) = lagrangeWeights(position - box);
      (d == 0 ? s.firstRow : s.firstColumn) = box * kNodesPerBox;
    }
    return s;
  }

  // Each thread spreads its slice of points onto its own node grid; the grids are then summed
  // in thread order into the FFT inputs, so the result does not depend on timing. The kernels
  // are sampled on the grid in the same pass.
  void spreadCharges(const std::vector<double>& y) {
    const int64_t n = int64_t(y.size() / 2);
    const int gridColumns = grid_.nodes(1);
    const size_t gridValues = size_t(grid_.nodes(0)) * size_t(gridColumns) * kChargeCount;
    stencils_.resize(size_t(n));
    threadGrids_.resize(size_t(std::min<int64_t>(threads_, n)));  // as parallelSlices splits
    parallelSlices(n, threads_, [&](int64_t begin, int64_t end, int t) {
      std::vector<double>& grid = threadGrids_[size_t(t)];
      grid.assign(gridValues, 0.0);
      for (int64_t i = begin; i < end; ++i) {
        const Stencil s = stencils_[size_t(i)] = stencilOf(y, i);
        const double charges[kChargeCount] = {1.0, charge(y, i, 0), charge(y, i, 1)};
        for (int a = 0; a < kNodesPerBox; ++a)
          for (int b = 0; b < kNodesPerBox; ++b) {
            const double w = s.rowWeights[size_t(a)] * s.columnWeights[size_t(b)];
            const size_t node =
                size_t(s.firstRow + a) * size_t(gridColumns) + size_t(s.firstColumn + b);
            for (int c = 0; c < kChargeCount; ++c)
              grid[node * kChargeCount + size_t(c)] += w * charges[c];
          }
      }
    });
    // Row by row, interleaved among the threads, which balances rows with and without nodes.
    parallelFor(fft_->rows(), threads_, [&](int64_t r, int) {
      if (r < grid_.nodes(0)) gatherChargeRow(int(r));
      sampleKernelRow(int(r));
    });
  }

  // Node row r of the charge grids: the threads' grids summed, then zeros to the padded width.
  void gatherChargeRow(int r) {
    const int gridColumns = grid_.nodes(1), columns = fft_->columns();
    for (int c = 0; c < kChargeCount; ++c) {
      float* out = fft_->real(kUnitCharge + c) + int64_t(r) * fft_->realRowStride();
      std::fill(out + gridColumns, out + columns, 0.0f);
      for (int col = 0; col < gridColumns; ++col) {
        double sum = 0;
        for (const auto& grid : threadGrids_)
          sum += grid[(size_t(r) * size_t(gridColumns) + size_t(col)) * kChargeCount + size_t(c)];
        out[col] = float(sum);
      }
    }
  }

  // Row r of K1 and K2 at every node offset, laid out for a circular convolution: offsets 0,
  // 1, ..., then the negative ones wrapped to the end. The offset of half the padded size is
  // never needed; zero there keeps the kernels exactly even, so their spectra are real.
  void sampleKernelRow(int r) {
    const int rows = fft_->rows(), columns = fft_->columns();
    const double h = grid_.nodeSpacing();
    auto offset = [h](int index, int size) {
      return (index < size / 2 ? index : index - size) * h;
    };
    const double dx = offset(r, rows);
    float* k1 = fft_->real(kKernel1) + int64_t(r) * fft_->realRowStride();
    float* k2 = fft_->real(kKernel2) + int64_t(r) * fft_->realRowStride();
    for (int col = 0; col < columns; ++col) {
      const double dy = offset(col, columns);
      const double q = r == rows / 2 || col == columns / 2 ? 0.0 : 1.0 / (1.0 + dx * dx + dy * dy);
      k1[col] = float(q);
      k2[col] = float(q * q);
    }
  }

  // Potentials = kernels (*) charges.
  void convolve() {
    const int64_t rows = fft_->rows(), spectrumRow = fft_->spectrumColumns();
    const fftwf_complex* ones = fft_->spectrum(kUnitCharge);
    fftwf_complex* xs = fft_->spectrum(kChargeX);
    fftwf_complex* ys = fft_->spectrum(kChargeY);
    fftwf_complex* k1 = fft_->spectrum(kKernel1);
    fftwf_complex* k2 = fft_->spectrum(kKernel2);
    auto multiply = [&](int64_t firstColumn, int64_t endColumn) {
      for (int64_t r = 0; r < rows; ++r)
        for (int64_t e = r * spectrumRow + firstColumn; e < r * spectrumRow + endColumn; ++e) {
          const double kernel1 = k1[e][0], kernel2 = k2[e][0];  // real: the kernels are even
          for (int part = 0; part < 2; ++part) {
            k1[e][part] = ones[e][part] * kernel1;
            k2[e][part] = ones[e][part] * kernel2;
            xs[e][part] *= kernel2;
            ys[e][part] *= kernel2;
          }
        }
    };
    fft_->convolve({kUnitCharge, kChargeX, kChargeY}, {kKernel1, kKernel2}, multiply,
                   {kSumK1, kSumK2, kSumK2X, kSumK2Y});
  }

  double interpolatePotentials(const std::vector<double>& y, std::vector<double>& repel) {
    const int64_t n = int64_t(y.size() / 2);
    const int realRow = fft_->realRowStride();
    const double normalisation = 1.0 / (double(fft_->rows()) * double(fft_->columns()));
    std::vector<double> zParts(static_cast<size_t>(threads_), 0.0);
    parallelSlices(n, threads_, [&](int64_t begin, int64_t end, int t) {
      const float* potentials[4] = {fft_->real(kSumK1), fft_->real(kSumK2), fft_->real(kSumK2X),
                                    fft_->real(kSumK2Y)};
      double z = 0;
      for (int64_t i = begin; i < end; ++i) {
        const Stencil& s = stencils_[size_t(i)];
        double at[4] = {0, 0, 0, 0};  // the potentials at point i
        for (int a = 0; a < kNodesPerBox; ++a) {
          const size_t rowStart = size_t(s.firstRow + a) * size_t(realRow) + size_t(s.firstColumn);
          for (int b = 0; b < kNodesPerBox; ++b) {
            const double w = s.rowWeights[size_t(a)] * s.columnWeights[size_t(b)];
            for (int k = 0; k < 4; ++k) at[k] += w * potentials[k][rowStart + size_t(b)];
          }
        }
        const double sumK1 = at[0], sumK2 = at[1], sumK2X = at[2], sumK2Y = at[3];
        z += sumK1;
        repel[size_t(2 * i)] = (charge(y, i, 0) * sumK2 - sumK2X) * normalisation;
        repel[size_t(2 * i + 1)] = (charge(y, i, 1) * sumK2 - sumK2Y) * normalisation;
      }
      zParts[size_t(t)] = z * normalisation;
    });
    double z = 0;
    for (double part : zParts) z += part;
    return z - double(n);  // each point's interaction with itself, K1(0) = 1
  }

  int threads_;
  InterpolationGrid grid_;
  std::unique_ptr<PaddedGridFft> fft_;
  std::vector<Stencil> stencils_;
  std::vector<std::vector<double>> threadGrids_;
};

// ---------------------------------------------------------------------------------------------
// The optimisation.

// The attraction's terms, one per pair: row i holds the pairs (i, j) with j > i, as P is
// symmetric. Attraction streams through every pair in every iteration and is bound by memory
// bandwidth, not arithmetic, so a pair is kept once and in 8 bytes (P in single precision is
// exact to about 1e-7 of itself), a third of the 24 bytes both directions in double took.
struct AttractionPairs {
  struct Pair {
    int32_t column;
    float value;
  };
  std::vector<int64_t> rowStart;
  std::vector<Pair> pairs;
};

AttractionPairs upperPairs(const SparseP& P) {
  AttractionPairs a;
  const int64_t n = int64_t(P.rowStart.size()) - 1;
  a.rowStart.reserve(size_t(n) + 1);
  a.rowStart.push_back(0);
  int64_t upper = 0;
  for (int64_t i = 0; i < n; ++i)
    for (int64_t e = P.rowStart[size_t(i)]; e < P.rowStart[size_t(i) + 1]; ++e)
      upper += P.columns[size_t(e)] > i;
  a.pairs.reserve(size_t(upper));
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t e = P.rowStart[size_t(i)]; e < P.rowStart[size_t(i) + 1]; ++e)
      if (P.columns[size_t(e)] > i)
        a.pairs.push_back({P.columns[size_t(e)], float(P.values[size_t(e)])});
    a.rowStart.push_back(int64_t(a.pairs.size()));
  }
  return a;
}

// Each thread's share of the attraction: rows [firstRow, n) of the forces, the part its pairs
// can reach (a pair (i, j) has j > i >= the thread's first row).
struct AttractionPart {
  int64_t firstRow = 0;
  std::vector<double> forces;
};

// Adds the attraction of the pairs of rows [part.firstRow, end) into part.forces, which it
// sizes to the rows those pairs reach.
template <int D>
void attractRows(const AttractionPairs& A, const std::vector<double>& y, int64_t end,
                 AttractionPart& part) {
  const int64_t n = int64_t(A.rowStart.size()) - 1, begin = part.firstRow;
  part.forces.assign(size_t(n - begin) * D, 0.0);
  double* force = part.forces.data();  // row r at (r - begin) * D
  for (int64_t i = begin; i < end; ++i) {
    std::array<double, D> own{}, at;
    for (int d = 0; d < D; ++d) at[size_t(d)] = y[size_t(D * i + d)];
    for (int64_t e = A.rowStart[size_t(i)]; e < A.rowStart[size_t(i) + 1]; ++e) {
      const AttractionPairs::Pair pair = A.pairs[size_t(e)];
      const int64_t j = pair.column;
      std::array<double, D> diff;
      double onePlusD2 = 1.0;
      for (int d = 0; d < D; ++d) {
        diff[size_t(d)] = at[size_t(d)] - y[size_t(D * j + d)];
        onePlusD2 += diff[size_t(d)] * diff[size_t(d)];
      }
      const double w = double(pair.value) / onePlusD2;
      for (int d = 0; d < D; ++d) {
        own[size_t(d)] += w * diff[size_t(d)];
        force[(j - begin) * D + d] -= w * diff[size_t(d)];
      }
    }
    for (int d = 0; d < D; ++d) force[(i - begin) * D + d] += own[size_t(d)];
  }
}

// Writes sum_j p_ij q_ij (y_i - y_j) (q unnormalised) to `attract`. Each pair is visited once
// and pulls i and j together with opposite forces. Every thread takes a fixed slice of the
// rows holding about as many pairs as the others and adds into its own part, and the parts
// are summed in thread order, so the result depends on the thread count only, as the
// repulsion's does.
template <int D>
void attractiveForces(const AttractionPairs& A, const std::vector<double>& y, int threads,
                      std::vector<AttractionPart>& parts, std::vector<double>& attract) {
  const int64_t n = int64_t(A.rowStart.size()) - 1;
  threads = std::max(1, threads);
  parts.resize(size_t(threads));
  // The first row whose pairs start at or after `share` / threads of all pairs.
  const auto firstRow = [&](int share) {
    const int64_t target = int64_t(A.pairs.size()) * share / threads;
    return int64_t(std::lower_bound(A.rowStart.begin(), A.rowStart.end() - 1, target) -
                   A.rowStart.begin());
  };
  for (int t = 0; t < threads; ++t) parts[size_t(t)].firstRow = firstRow(t);
  runOnThreads(threads, [&](int t) {
    const int64_t end = t + 1 == threads ? n : parts[size_t(t) + 1].firstRow;
    attractRows<D>(A, y, end, parts[size_t(t)]);
  });
  parallelSlices(n, threads, [&](int64_t begin, int64_t end, int) {
    for (int64_t i = begin; i < end; ++i)
      for (int d = 0; d < D; ++d) {
        double sum = 0;
        for (const AttractionPart& part : parts)
          if (i >= part.firstRow) sum += part.forces[size_t((i - part.firstRow) * D + d)];
        attract[size_t(D * i + d)] = sum;
      }
  });
}

// PCA initialisation, scaled so the first coordinate has standard deviation 1e-4.
std::vector<double> initialLayout(const float* data, int64_t n, int dims, int outputDims,
                                  uint64_t seed) {
  std::vector<double> y(size_t(n) * size_t(outputDims));
  const PcaModel pca = fitPca(data, n, dims, std::min(outputDims, dims));
  const std::vector<float> init = pca.transform(data, n);
  const double sd = std::sqrt(std::max(pca.explainedVariance[0], 1e-12));
  for (int64_t i = 0; i < n; ++i)
    for (int d = 0; d < outputDims; ++d)
      y[size_t(outputDims * i + d)] =
          d < pca.components ? init[size_t(i * pca.components + d)] / sd * 1e-4 : 0.0;
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> jitter(0, 1e-6);
  for (double& v : y) v += jitter(rng);  // breaks ties between identical points
  return y;
}

template <int D>
void optimise(const AttractionPairs& A, std::vector<double>& y, const TsneParameters& p,
              const JobControl& job) {
  const int64_t n = int64_t(y.size() / D);
  const int threads = std::max(1, p.threads);
  const double rate =
      p.learningRate > 0 ? p.learningRate : std::max(double(n) / p.exaggeration / 4.0, 50.0);
  std::vector<double> update(y.size(), 0.0), gains(y.size(), 1.0), attract(y.size()),
      repel(y.size());
  std::vector<AttractionPart> attractParts;
  std::unique_ptr<FftRepulsion> fft;
  if (D == 2 && p.gradient == TsneGradient::Fft && n >= kTsneMinPointsForFft)
    fft = std::make_unique<FftRepulsion>(threads);

  for (int iter = 0; iter < p.iterations; ++iter) {
    job.cancel.throwIfCancelled();
    const bool early = iter < p.exaggerationIterations;
    const double exaggeration = early ? p.exaggeration : 1.0;
    const double momentum = early ? 0.5 : 0.8;
    double z = fft ? fft->compute(y, repel) : barnesHutRepulsion<D>(y, p.theta, threads, repel);
    attractiveForces<D>(A, y, threads, attractParts, attract);
    z = std::max(z, 1e-12);
    for (size_t c = 0; c < y.size(); ++c) {
      const double grad = 4.0 * (exaggeration * attract[c] - repel[c] / z);
      // Delta-bar-delta gains, as in the reference implementation.
      gains[c] = (grad > 0) != (update[c] > 0) ? gains[c] + 0.2 : std::max(gains[c] * 0.8, 0.01);
      update[c] = momentum * update[c] - rate * gains[c] * grad;
      y[c] += update[c];
    }
    if (iter % 10 == 0) job.report(0.2 + 0.8 * double(iter) / p.iterations);
  }
}

}  // namespace

std::vector<float> tsne(const float* data, int64_t n, int dims, const TsneParameters& p,
                        const JobControl& job) {
  if (n < 4) throw std::invalid_argument("t-SNE needs at least four points");
  if (p.outputDims != 2 && p.outputDims != 3)
    throw std::invalid_argument("t-SNE: output dimensions must be 2 or 3");
  const int k = int(std::min<int64_t>(n - 1, int64_t(std::ceil(3 * p.perplexity))));
  const double perplexity = std::min(p.perplexity, double(k) / 3.0);
  JobControl knnJob{job.cancel, [&job](double f) { job.report(0.15 * f); }};
  const KnnGraph graph =
      approximateKnn(data, n, dims, k, p.seed, knnJob, p.threads, KnnEffort::Thorough);
  const AttractionPairs pairs = upperPairs(inputAffinities(graph, perplexity));
  job.report(0.2);

  const int outDims = p.outputDims;
  std::vector<double> y = initialLayout(data, n, dims, outDims, p.seed);
  if (outDims == 2)
    optimise<2>(pairs, y, p, job);
  else
    optimise<3>(pairs, y, p, job);

  // Centre the result.
  std::vector<double> mean(static_cast<size_t>(outDims), 0.0);
  for (int64_t i = 0; i < n; ++i)
    for (int d = 0; d < outDims; ++d) mean[size_t(d)] += y[size_t(outDims * i + d)];
  for (double& m : mean) m /= double(n);
  std::vector<float> out(y.size());
  for (int64_t i = 0; i < n; ++i)
    for (int d = 0; d < outDims; ++d)
      out[size_t(outDims * i + d)] = float(y[size_t(outDims * i + d)] - mean[size_t(d)]);
  job.report(1.0);
  return out;
}

}  // namespace strata
