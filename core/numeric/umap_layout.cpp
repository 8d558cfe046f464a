#include "core/numeric/umap_layout.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <thread>

#include "core/numeric/huge_page_buffer.h"

namespace strata {
namespace {

// Parallel SGD that stays reproducible: the points are split into two halves by the starting
// layout's first coordinate. In each epoch the edges inside a half are followed by that half's
// own thread, then the edges across the halves on one thread; negative samples read the
// positions as they stood at the start of the epoch. No thread reads a position another thread
// writes, so one thread or two give the same layout bit for bit. (umap-learn's parallel layout
// races instead, which is why it runs on one thread when given a random_state.)
constexpr int kHalves = 2;

// splitmix64: a fast stream, fixed by its seed, for choosing negative samples.
class SampleRandom {
 public:
  explicit SampleRandom(uint64_t seed) : state_(seed) {}
  // Uniform in [0, n) for n < 2^32 (Lemire's multiply-shift without rejection: a point's
  // chance is off by at most n / 2^32, 0.2 % at 10,000,000 points).
  int64_t below(uint64_t n) { return int64_t(((next() >> 32) * n) >> 32); }

 private:
  uint64_t next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  uint64_t state_;
};

// The negative samples of one thread's epoch, drawn kAhead draws before they are used and their
// starting positions prefetched as they are drawn. At millions of points the positions are far
// beyond any cache and every sample is a read from memory; drawn ahead, those reads overlap the
// work of the edges before them instead of each stalling its own. The samples come out in the
// order drawn, so the layout is the same as drawing each when it is used.
class NegativeSamples {
 public:
  NegativeSamples(uint64_t seed, int64_t n, const float* start)
      : random_(seed), n_(n), start_(start) {
    for (int k = 0; k < kAhead; ++k) ahead_[k] = draw();
  }
  int64_t next() {
    const int64_t m = ahead_[at_];
    ahead_[at_] = draw();
    at_ = (at_ + 1) % kAhead;
    return m;
  }

 private:
  static constexpr int kAhead = 32;
  int64_t draw() {
    const int64_t m = random_.below(uint64_t(n_));
    __builtin_prefetch(start_ + 2 * m);
    return m;
  }
  SampleRandom random_;
  int64_t n_;
  const float* start_;
  int64_t ahead_[kAhead];
  int at_ = 0;
};

// Which half each point is in: below or above the median of the starting first coordinate
// (ties by index), so the edges of a kNN graph mostly stay inside a half.
std::vector<uint8_t> halves(const std::vector<float>& y) {
  const size_t n = y.size() / 2;
  std::vector<int64_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  auto byFirst = [&y](int64_t i, int64_t j) {
    return y[size_t(2 * i)] != y[size_t(2 * j)] ? y[size_t(2 * i)] < y[size_t(2 * j)] : i < j;
  };
  std::nth_element(order.begin(), order.begin() + std::ptrdiff_t(n / 2), order.end(), byFirst);
  std::vector<uint8_t> half(n, 1);
  for (size_t r = 0; r < n / 2; ++r) half[size_t(order[r])] = 0;
  return half;
}

// umap-learn's schedule: each edge is due every maxWeight / w epochs, with `negativeSamples`
// negative samples per positive one. Edges far below the strongest are never due; dropped.
// The edges are grouped by who follows them: those inside half 0, inside half 1, then across
// (each group in the graph's order), so each thread reads and writes its own stretch of the
// arrays and never shares a cache line's worth of schedule with the other.
struct Schedule {
  std::vector<UmapEdge> edges;
  // Epochs between samples of each edge (its negative samples come `negativeSamples` times as
  // often), and when it is next due for each: 36 bytes an edge with the edge itself. At
  // 10,000,000 points the graph has a few hundred million edges, so nothing else is kept.
  std::vector<double> epochsPerSample, nextSample, nextNegative;
  int negativeSamples = 5;
  size_t begin[kHalves + 2] = {};  // group g is [begin[g], begin[g + 1])
  double epochsPerNegative(size_t e) const { return epochsPerSample[e] / negativeSamples; }
};

Schedule scheduleEdges(const std::vector<UmapEdge>& edges, const std::vector<uint8_t>& half,
                       int epochs, int negativeSamples) {
  float maxWeight = 0;
  for (const UmapEdge& e : edges) maxWeight = std::max(maxWeight, e.w);
  auto groupOf = [&](const UmapEdge& e) {
    if (!(e.w >= maxWeight / double(epochs))) return -1;
    const int ha = half[size_t(e.a)], hb = half[size_t(e.b)];
    return ha == hb ? ha : kHalves;
  };
  // Counted first and then placed, so the edges are never held twice over and no array grows.
  size_t counts[kHalves + 1] = {};
  for (const UmapEdge& e : edges)
    if (const int g = groupOf(e); g >= 0) ++counts[g];
  Schedule s;
  s.negativeSamples = negativeSamples;
  for (int g = 0; g <= kHalves; ++g) s.begin[g + 1] = s.begin[g] + counts[g];
  const size_t total = s.begin[kHalves + 1];
  s.edges.resize(total);
  size_t next[kHalves + 1];
  std::copy(s.begin, s.begin + kHalves + 1, next);
  for (const UmapEdge& e : edges)
    if (const int g = groupOf(e); g >= 0) s.edges[next[g]++] = e;
  s.epochsPerSample.resize(total);
  s.nextSample.resize(total);
  s.nextNegative.resize(total);
  for (size_t i = 0; i < total; ++i) {
    const double every = double(maxWeight) / s.edges[i].w;
    s.epochsPerSample[i] = every;
    s.nextSample[i] = every;
    s.nextNegative[i] = every / negativeSamples;
  }
  return s;
}

float clip(float v) {
  return std::clamp(v, -4.0f, 4.0f);
}

struct Step {
  float alpha, a, b;
  int epoch;
  int64_t n;
};

// Pulls i and j together along one edge (both move, as umap-learn's move_other).
void attract(float* y, int64_t i, int64_t j, const Step& st) {
  const float dx = y[2 * i] - y[2 * j], dy = y[2 * i + 1] - y[2 * j + 1];
  const float d2 = dx * dx + dy * dy;
  if (!(d2 > 0)) return;
  const float powB = std::pow(d2, st.b);  // d2^(b-1) = powB / d2
  const float coeff = -2.0f * st.a * st.b * (powB / d2) / (st.a * powB + 1.0f);
  const float gx = clip(coeff * dx) * st.alpha, gy = clip(coeff * dy) * st.alpha;
  y[2 * i] += gx, y[2 * i + 1] += gy;
  y[2 * j] -= gx, y[2 * j + 1] -= gy;
}

// Pushes i away from `count` random points, read from the epoch's starting positions. The
// gradients are taken at i's position before this edge's negative samples and then summed: the
// samples are independent of each other, so their powf calls overlap instead of waiting on the
// previous sample's move.
void repel(float* y, const float* start, int64_t i, int count, NegativeSamples& samples,
           const Step& st) {
  const float xi = y[2 * i], yi = y[2 * i + 1];
  float gx = 0, gy = 0;
  for (int s = 0; s < count; ++s) {
    const int64_t m = samples.next();
    if (m == i) continue;
    const float dx = xi - start[2 * m], dy = yi - start[2 * m + 1];
    const float d2 = dx * dx + dy * dy;
    const float coeff =
        d2 > 0 ? 2.0f * st.b / ((0.001f + d2) * (st.a * std::pow(d2, st.b) + 1.0f)) : 0.0f;
    gx += coeff > 0 ? clip(coeff * dx) : 4.0f;
    gy += coeff > 0 ? clip(coeff * dy) : 4.0f;
  }
  y[2 * i] += gx * st.alpha;
  y[2 * i + 1] += gy * st.alpha;
}

// Edges ahead of the one being followed whose far end is prefetched: the graph's edges leave
// their points in order, but reach points anywhere in memory.
constexpr size_t kEdgesAhead = 16;

// Follows group g's edges that are due this epoch, in order.
void followEdges(Schedule& s, int g, float* y, const float* start, NegativeSamples& samples,
                 const Step& st) {
  for (size_t e = s.begin[g]; e < s.begin[g + 1]; ++e) {
    if (e + kEdgesAhead < s.begin[g + 1])
      __builtin_prefetch(y + 2 * int64_t(s.edges[e + kEdgesAhead].b));
    if (s.nextSample[e] > st.epoch) continue;
    const UmapEdge& edge = s.edges[e];
    const double epochsPerNegative = s.epochsPerNegative(e);
    const int negatives = int((st.epoch - s.nextNegative[e]) / epochsPerNegative);
    // Each edge is followed from both ends, as in umap-learn's symmetric graph.
    attract(y, edge.a, edge.b, st);
    repel(y, start, edge.a, negatives, samples, st);
    attract(y, edge.b, edge.a, st);
    repel(y, start, edge.b, negatives, samples, st);
    s.nextSample[e] += s.epochsPerSample[e];
    s.nextNegative[e] += epochsPerNegative * negatives;  // as umap-learn
  }
}

}  // namespace

void layoutUmap(const std::vector<UmapEdge>& edges, std::vector<float>& y,
                const UmapLayoutSettings& s, const JobControl& job) {
  Schedule schedule = scheduleEdges(edges, halves(y), s.epochs, s.negativeSamples);
  // The positions, moved and read at random, in huge pages (copied back at the end).
  HugePageBuffer moving(y.size()), start(y.size());
  std::copy(y.begin(), y.end(), moving.data());
  // Cancelled or not, `y` ends where the layout got to, as when it was moved in place.
  struct CopyBack {
    const HugePageBuffer& from;
    std::vector<float>& to;
    ~CopyBack() { std::copy(from.data(), from.data() + from.size(), to.begin()); }
  } copyBack{moving, y};
  for (int epoch = 0; epoch < s.epochs; ++epoch) {
    job.cancel.throwIfCancelled();
    const Step st{float(s.learningRate * (1.0 - double(epoch) / s.epochs)), float(s.a), float(s.b),
                  epoch, int64_t(y.size() / 2)};
    std::copy(moving.data(), moving.data() + moving.size(), start.data());
    auto run = [&](int list) {
      NegativeSamples samples(
          s.seed * 0x100000001B3ull + uint64_t(epoch) * (kHalves + 1) + uint64_t(list), st.n,
          start.data());
      followEdges(schedule, list, moving.data(), start.data(), samples, st);
    };
    if (s.threads >= 2) {
      std::thread other([&] { run(1); });
      run(0);
      other.join();
    } else {
      run(0), run(1);
    }
    run(kHalves);
    if (epoch % 5 == 0) job.report(double(epoch) / s.epochs);
  }
}

}  // namespace strata
