#include "core/numeric/knn.h"

#include <hnswlib/hnswlib.h>

#include <immintrin.h>
#include <sys/mman.h>
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <numeric>
#include <random>
#include <thread>

// Approximate k-nearest-neighbour graphs on hnswlib. hnswlib 0.6 defines functions in its
// headers, so it may be included by this one file only.
//
// BatchedHnsw inserts points into an hnswlib index in batches whose
// graph searches run in parallel against the graph as it stood before the batch, then links
// them in a fixed order, so the index depends on the data and the seed only, never on the
// number of threads or their timing. hnswlib's own concurrent insertion races for links and
// gives a different graph every run.
//
// While inserting, it keeps each point's nearest neighbours among the candidates the
// insertion searches met, in both directions: a point's search finds earlier points, and the
// point is offered to each of them in turn. That is most of a k-nearest-neighbour graph for
// the price of the index alone.
//
// Graph searches wait on memory far more than they compute, so where a point lives in the index
// matters: slots (hnswlib's internal ids) follow a k-d tree order of the data, not the order of
// insertion, and each batch and the final refinement visit points in slot order. Neighbours in
// space then share pages and cache, which made the 1M-point graph about 1.5x faster.
namespace strata {

namespace {

using hnswlib::tableint;
using Candidates =
    std::priority_queue<std::pair<float, tableint>, std::vector<std::pair<float, tableint>>,
                        hnswlib::HierarchicalNSW<float>::CompareByFirst>;

// Squared Euclidean distance with AVX2 and FMA, chosen at run time: hnswlib picks its AVX code
// only when the whole file is compiled for AVX, which would tie the binary to such CPUs.
// Distances are half of the build's time; this is 14% faster end to end on 32-D data.
__attribute__((target("avx2,fma"))) float squaredL2Avx2(const void* a, const void* b,
                                                        const void* dimsParam) {
  const auto* x = static_cast<const float*>(a);
  const auto* y = static_cast<const float*>(b);
  const size_t dims = *static_cast<const size_t*>(dimsParam);
  __m256 even = _mm256_setzero_ps();
  __m256 odd = _mm256_setzero_ps();
  size_t i = 0;
  for (; i + 16 <= dims; i += 16) {
    const __m256 d0 = _mm256_sub_ps(_mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i));
    const __m256 d1 = _mm256_sub_ps(_mm256_loadu_ps(x + i + 8), _mm256_loadu_ps(y + i + 8));
    even = _mm256_fmadd_ps(d0, d0, even);
    odd = _mm256_fmadd_ps(d1, d1, odd);
  }
  for (; i + 8 <= dims; i += 8) {
    const __m256 d = _mm256_sub_ps(_mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i));
    even = _mm256_fmadd_ps(d, d, even);
  }
  const __m256 sum = _mm256_add_ps(even, odd);
  __m128 half = _mm_add_ps(_mm256_castps256_ps128(sum), _mm256_extractf128_ps(sum, 1));
  half = _mm_hadd_ps(half, half);
  half = _mm_hadd_ps(half, half);
  float total = _mm_cvtss_f32(half);
  for (; i < dims; ++i) {
    const float d = x[i] - y[i];
    total += d * d;
  }
  return total;
}

// hnswlib's L2 space with the distance function swapped for the AVX2 one where the CPU has it.
class SquaredL2Space : public hnswlib::SpaceInterface<float> {
 public:
  explicit SquaredL2Space(size_t dims) : portable_(dims), dims_(dims) {
    distance_ = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")
                    ? &squaredL2Avx2
                    : portable_.get_dist_func();
  }
  size_t get_data_size() override { return portable_.get_data_size(); }
  hnswlib::DISTFUNC<float> get_dist_func() override { return distance_; }
  void* get_dist_func_param() override { return &dims_; }

 private:
  hnswlib::L2Space portable_;
  size_t dims_;
  hnswlib::DISTFUNC<float> distance_;
};

// Asks for 2 MB pages where the kernel grants them on request: the index is a few hundred MB
// read at random, and 4 kB pages would miss the TLB on nearly every step.
void adviseHugePages(void* memory, size_t bytes) {
  constexpr size_t huge = size_t(2) << 20;
  const size_t lead = (huge - reinterpret_cast<uintptr_t>(memory) % huge) % huge;
  if (bytes <= lead) return;
  const size_t length = (bytes - lead) / huge * huge;
  if (length > 0) madvise(static_cast<char*>(memory) + lead, length, MADV_HUGEPAGE);
}

// Asks for the cache lines of a point's vector in the index: a point's record is not aligned to
// lines, so its vector can touch one more line than its size suggests.
void prefetchVector(const hnswlib::HierarchicalNSW<float>& x, tableint id) {
  const char* vector =
      x.data_level0_memory_ + size_t(id) * x.size_data_per_element_ + x.offsetData_;
  for (size_t offset = 0; offset < x.data_size_; offset += 64)
    _mm_prefetch(vector + offset, _MM_HINT_T0);
  _mm_prefetch(vector + x.data_size_ - 1, _MM_HINT_T0);
}

// hnswlib's searchBaseLayerST (without deletions), with the same steps in the same order and so
// the same result, but waiting on memory once per visited node instead of once per neighbour:
// hnswlib asks for the next neighbour's vector while it computes the distance to this one,
// so nearly every distance waits for a vector from main memory. Here the node's unvisited
// neighbours are found first and all of their vectors are asked for at once; the distances
// then run while the lines arrive together.
Candidates searchLevel0(const hnswlib::HierarchicalNSW<float>& x, tableint entry, const void* point,
                        size_t ef) {
  thread_local std::vector<tableint> fresh;  // a node's unvisited neighbours
  fresh.resize(x.maxM0_);  // before taking the visited list, which a throw would not return
  hnswlib::VisitedList* visitedList = x.visited_list_pool_->getFreeVisitedList();
  hnswlib::vl_type* visited = visitedList->mass;
  const hnswlib::vl_type tag = visitedList->curV;
  Candidates found, frontier;  // the ef nearest so far (farthest on top); nodes to expand
  float bound = x.fstdistfunc_(point, x.getDataByInternalId(entry), x.dist_func_param_);
  found.emplace(bound, entry);
  frontier.emplace(-bound, entry);
  visited[entry] = tag;
  while (!frontier.empty()) {
    const auto [negativeDistance, node] = frontier.top();
    if (-negativeDistance > bound) break;
    frontier.pop();
    unsigned* list = x.get_linklist0(node);  // read only; hnswlib's accessors take it mutable
    const unsigned size = x.getListCount(list);
    for (unsigned j = 1; j <= size; ++j)
      _mm_prefetch(reinterpret_cast<const char*>(visited + list[j]), _MM_HINT_T0);
    size_t count = 0;
    for (unsigned j = 1; j <= size; ++j) {
      const tableint id = list[j];
      if (visited[id] == tag) continue;
      visited[id] = tag;
      fresh[count++] = id;
      prefetchVector(x, id);
    }
    for (size_t f = 0; f < count; ++f) {
      const tableint id = fresh[f];
      const float d = x.fstdistfunc_(point, x.getDataByInternalId(id), x.dist_func_param_);
      if (found.size() < ef || bound > d) {
        frontier.emplace(-d, id);
        _mm_prefetch(reinterpret_cast<const char*>(x.get_linklist0(frontier.top().second)),
                     _MM_HINT_T0);
        found.emplace(d, id);
        if (found.size() > ef) found.pop();
        bound = found.top().first;
      }
    }
  }
  x.visited_list_pool_->releaseVisitedList(visitedList);
  return found;
}

// Sorts points [begin, end) into an order where neighbours in space are mostly neighbours in the
// order: a k-d tree's leaves, left to right, splitting at the median of the widest coordinate.
// Deterministic (ties broken by index); the two halves of large ranges are sorted in parallel.
void kdOrder(const float* data, int dims, int32_t* begin, int32_t* end) {
  const int64_t size = end - begin;
  if (size <= 128) return;
  // Widest coordinate among an even sample of the points.
  const int64_t stride = std::max<int64_t>(1, size / 256);
  std::vector<float> low(size_t(dims), INFINITY), high(size_t(dims), -INFINITY);
  for (int64_t i = 0; i < size; i += stride) {
    const float* row = data + size_t(begin[i]) * size_t(dims);
    for (int d = 0; d < dims; ++d) {
      low[size_t(d)] = std::min(low[size_t(d)], row[d]);
      high[size_t(d)] = std::max(high[size_t(d)], row[d]);
    }
  }
  int widest = 0;
  for (int d = 1; d < dims; ++d)
    if (high[size_t(d)] - low[size_t(d)] > high[size_t(widest)] - low[size_t(widest)]) widest = d;
  std::vector<std::pair<float, int32_t>> keys(static_cast<size_t>(size));
  for (int64_t i = 0; i < size; ++i) {
    const float key = data[size_t(begin[i]) * size_t(dims) + size_t(widest)];
    keys[size_t(i)] = {std::isnan(key) ? INFINITY : key, begin[i]};  // NaN would break the sort
  }
  auto middle = keys.begin() + size / 2;
  std::nth_element(keys.begin(), middle, keys.end());
  for (int64_t i = 0; i < size; ++i) begin[i] = keys[size_t(i)].second;
  keys = {};
  int32_t* split = begin + size / 2;
  if (size > (int64_t(1) << 18)) {
    std::thread left([&] { kdOrder(data, dims, begin, split); });
    kdOrder(data, dims, split, end);
    left.join();
  } else {
    kdOrder(data, dims, begin, split);
    kdOrder(data, dims, split, end);
  }
}

// Runs body(i) for i in [0, n) on `threads` threads (inline when that cannot pay off).
template <class Body>
void forEachParallel(int threads, int64_t n, const Body& body) {
  std::atomic<int64_t> next{0};
  auto work = [&] {
    for (int64_t i; (i = next.fetch_add(1)) < n;) body(i);
  };
  if (threads <= 1 || n < 64) return work();
  std::vector<std::thread> pool;
  pool.reserve(size_t(threads));
  for (int t = 0; t < threads; ++t) pool.emplace_back(work);
  for (auto& t : pool) t.join();
}

// Runs body(worker) on `workers` threads; worker w owns the targets with target % workers == w,
// so each target's updates happen on one thread, in the order they were queued.
template <class Body>
void forEachOwner(int workers, const Body& body) {
  if (workers <= 1) return body(0);
  std::vector<std::thread> pool;
  pool.reserve(size_t(workers));
  for (int w = 0; w < workers; ++w) pool.emplace_back([&, w] { body(w); });
  for (auto& t : pool) t.join();
}

// Batches grow with the index: a batch's points cannot see each other, which costs nothing
// while a batch is a small fraction of what is already inserted.
int64_t batchSize(int64_t inserted) {
  return std::clamp<int64_t>(inserted / 16, 1, 4096);
}

class BatchedHnsw {
 public:
  using Index = hnswlib::HierarchicalNSW<float>;
  struct Neighbour {
    float squaredDistance;
    int32_t id;
  };

  // `keep` nearest candidates are remembered per point. Point i (row i of data) goes into
  // slot slotOf[i] of the index; the neighbours remembered are slots too.
  BatchedHnsw(Index& index, const float* data, int dims, int64_t n, int keep,
              const std::vector<int32_t>& slotOf);

  // Inserts all n points in the given order (a permutation of 0..n-1), reporting progress into
  // `job` and stopping with Cancelled when asked.
  void insertAll(const std::vector<int64_t>& order, int threads, const JobControl& job);

  // The remembered neighbours of the point in `slot`, nearest first; unused entries have id -1.
  const Neighbour* nearest(int64_t slot) const { return &nearest_[size_t(slot) * size_t(keep_)]; }

 private:
  struct Link {
    hnswlib::tableint target;
    int level;
    hnswlib::tableint from;
  };
  struct Offer {
    int32_t target;
    float squaredDistance;
    int32_t from;
  };
  void insertBatch(const int64_t* labels, int64_t count, int threads);
  void searchAndLinkOwn(hnswlib::tableint id, int level, int maxLevel, hnswlib::tableint entry,
                        std::vector<Link>& links, std::vector<Offer>& offers);
  void addReverseLink(const Link& link);
  void offer(int64_t point, float squaredDistance, int32_t id);

  Index& index_;
  const float* data_;
  int dims_;
  int keep_;
  const std::vector<int32_t>& slotOf_;
  std::vector<Neighbour> nearest_;
};

}  // namespace

BatchedHnsw::BatchedHnsw(Index& index, const float* data, int dims, int64_t n, int keep,
                         const std::vector<int32_t>& slotOf)
    : index_(index),
      data_(data),
      dims_(dims),
      keep_(keep),
      slotOf_(slotOf),
      nearest_(size_t(n) * size_t(keep), Neighbour{INFINITY, -1}) {}

void BatchedHnsw::insertAll(const std::vector<int64_t>& order, int threads, const JobControl& job) {
  const auto n = int64_t(order.size());
  for (int64_t done = 0; done < n;) {
    job.cancel.throwIfCancelled();
    const int64_t count = std::min(batchSize(done), n - done);
    // A batch in slot order: consecutive searches then start in the same part of memory.
    std::vector<int64_t> batch(order.begin() + done, order.begin() + done + count);
    std::sort(batch.begin(), batch.end(),
              [&](int64_t a, int64_t b) { return slotOf_[size_t(a)] < slotOf_[size_t(b)]; });
    insertBatch(batch.data(), count, threads);
    done += count;
    job.report(double(done) / double(n));
  }
}

void BatchedHnsw::insertBatch(const int64_t* labels, int64_t count, int threads) {
  Index& x = index_;
  // Levels and data are assigned in batch order, so the level generator sees one sequence.
  std::vector<tableint> ids(static_cast<size_t>(count));
  std::vector<int> levels(static_cast<size_t>(count));
  for (int64_t b = 0; b < count; ++b) {
    const auto label = hnswlib::labeltype(labels[b]);
    const auto id = tableint(slotOf_[size_t(label)]);
    const int level = x.getRandomLevel(x.mult_);
    x.element_levels_[id] = level;
    std::memset(x.data_level0_memory_ + id * x.size_data_per_element_ + x.offsetLevel0_, 0,
                x.size_data_per_element_);
    std::memcpy(x.getExternalLabeLp(id), &label, sizeof(label));
    std::memcpy(x.getDataByInternalId(id), data_ + size_t(label) * size_t(dims_), x.data_size_);
    // hnswlib's search prefetches the entry one past a full neighbour list: pad the block by
    // one entry so that read stays inside the allocation (AddressSanitizer found it).
    if (level > 0)
      x.linkLists_[id] = static_cast<char*>(
          std::calloc(x.size_links_per_element_ * size_t(level) + sizeof(tableint), 1));
    ids[size_t(b)] = id;
    levels[size_t(b)] = level;
  }

  const int maxLevel = x.maxlevel_;
  const tableint entry = x.enterpoint_node_;
  std::vector<std::vector<Link>> links(static_cast<size_t>(count));
  std::vector<std::vector<Offer>> offers(static_cast<size_t>(count));
  if (int(entry) != -1) {
    // Phase 1: every new point searches the frozen graph and writes its own links only.
    forEachParallel(threads, count, [&](int64_t b) {
      searchAndLinkOwn(ids[size_t(b)], levels[size_t(b)], maxLevel, entry, links[size_t(b)],
                       offers[size_t(b)]);
    });
    // Phase 2: existing points take the reverse links and the nearest-neighbour offers.
    const int workers = count < 64 ? 1 : threads;
    forEachOwner(workers, [&](int w) {
      for (const auto& perPoint : links)
        for (const Link& link : perPoint)
          if (int(link.target % tableint(workers)) == w) addReverseLink(link);
      for (const auto& perPoint : offers)
        for (const Offer& o : perPoint)
          if (o.target % workers == w) offer(o.target, o.squaredDistance, o.from);
    });
  }
  for (int64_t b = 0; b < count; ++b) {
    if (int(x.enterpoint_node_) == -1 || levels[size_t(b)] > x.maxlevel_) {
      x.maxlevel_ = levels[size_t(b)];
      x.enterpoint_node_ = ids[size_t(b)];
    }
  }
}

void BatchedHnsw::searchAndLinkOwn(tableint id, int level, int maxLevel, tableint entry,
                                   std::vector<Link>& links, std::vector<Offer>& offers) {
  Index& x = index_;
  const void* point = x.getDataByInternalId(id);
  const auto self = int32_t(id);
  tableint current = entry;
  // Greedy descent through the levels above the new point's own, as hnswlib inserts.
  if (level < maxLevel) {
    float best = x.fstdistfunc_(point, x.getDataByInternalId(current), x.dist_func_param_);
    for (int l = maxLevel; l > level; --l) {
      for (bool moved = true; moved;) {
        moved = false;
        unsigned* list = x.get_linklist(current, l);
        const unsigned size = x.getListCount(list);
        for (unsigned j = 1; j <= size; ++j) {
          const float d = x.fstdistfunc_(point, x.getDataByInternalId(list[j]), x.dist_func_param_);
          if (d < best) {
            best = d;
            current = list[j];
            moved = true;
          }
        }
      }
    }
  }
  for (int l = std::min(level, maxLevel); l >= 0; --l) {
    // Level 0, where nearly all the work is, is searched without locks, as hnswlib's
    // searchBaseLayerST does: nothing writes to the graph while a batch searches it.
    Candidates candidates = l == 0 ? searchLevel0(x, current, point, x.ef_construction_)
                                   : x.searchBaseLayer(current, point, l);
    if (l == 0) {
      for (Candidates copy = candidates; !copy.empty(); copy.pop()) {
        const auto other = int32_t(copy.top().second);
        offer(self, copy.top().first, other);
        offers.push_back({other, copy.top().first, self});
      }
    }
    x.getNeighborsByHeuristic2(candidates, x.M_);
    std::vector<tableint> selected;
    for (; !candidates.empty(); candidates.pop()) selected.push_back(candidates.top().second);
    unsigned* own = l == 0 ? x.get_linklist0(id) : x.get_linklist(id, l);
    x.setListCount(own, unsigned(selected.size()));
    std::copy(selected.begin(), selected.end(), own + 1);
    for (const tableint s : selected) links.push_back({s, l, id});
    current = selected.back();  // the nearest, hnswlib's entry to the next level down
  }
}

// hnswlib's rule for an existing point gaining a link: append while there is room, otherwise
// keep the heuristic's choice among the old links and the new one.
void BatchedHnsw::addReverseLink(const Link& link) {
  Index& x = index_;
  const size_t capacity = link.level > 0 ? x.maxM_ : x.maxM0_;
  unsigned* list =
      link.level == 0 ? x.get_linklist0(link.target) : x.get_linklist(link.target, link.level);
  const size_t size = x.getListCount(list);
  unsigned* neighbours = list + 1;
  if (size < capacity) {
    neighbours[size] = link.from;
    x.setListCount(list, unsigned(size + 1));
    return;
  }
  const char* target = x.getDataByInternalId(link.target);
  for (size_t j = 0; j < size; ++j) prefetchVector(x, neighbours[j]);
  prefetchVector(x, link.from);
  Candidates candidates;
  candidates.emplace(x.fstdistfunc_(x.getDataByInternalId(link.from), target, x.dist_func_param_),
                     link.from);
  for (size_t j = 0; j < size; ++j)
    candidates.emplace(
        x.fstdistfunc_(x.getDataByInternalId(neighbours[j]), target, x.dist_func_param_),
        neighbours[j]);
  x.getNeighborsByHeuristic2(candidates, capacity);
  unsigned kept = 0;
  for (; !candidates.empty(); candidates.pop()) neighbours[kept++] = candidates.top().second;
  x.setListCount(list, kept);
}

void BatchedHnsw::offer(int64_t point, float squaredDistance, int32_t id) {
  Neighbour* row = &nearest_[size_t(point) * size_t(keep_)];
  if (!(squaredDistance < row[keep_ - 1].squaredDistance)) return;
  for (int j = 0; j < keep_; ++j)
    if (row[j].id == id) return;
  int j = keep_ - 1;
  for (; j > 0 && squaredDistance < row[j - 1].squaredDistance; --j) row[j] = row[j - 1];
  row[j] = {squaredDistance, id};
}

namespace {

// Each point searches the finished graph from its own node; what that finds is merged with
// what the insertions met. Fills g's rows on `threads` threads; ef is set by the caller.
void refineNeighbours(hnswlib::HierarchicalNSW<float>& index, const BatchedHnsw& builder,
                      const std::vector<int32_t>& labelOf, KnnGraph& g, const JobControl& job,
                      int threads) {
  const int64_t n = g.n;
  std::atomic<int64_t> next{0}, done{0};
  auto refine = [&] {
    std::vector<std::pair<float, int32_t>> found;
    for (int64_t slot; (slot = next.fetch_add(1)) < n;) {
      if (job.cancel.isCancelled()) return;
      const int64_t i = labelOf[size_t(slot)];
      found.clear();
      const BatchedHnsw::Neighbour* known = builder.nearest(slot);
      for (int j = 0; j < g.k && known[j].id >= 0; ++j)
        found.emplace_back(known[j].squaredDistance, known[j].id);
      const auto self = tableint(slot);
      auto result = searchLevel0(index, self, index.getDataByInternalId(self), index.ef_);
      for (; !result.empty(); result.pop())
        if (result.top().second != self)
          found.emplace_back(result.top().first, int32_t(result.top().second));
      std::sort(found.begin(), found.end());
      found.erase(std::unique(found.begin(), found.end()), found.end());
      for (int j = 0; j < g.k && j < int(found.size()); ++j) {
        g.indices[size_t(i) * size_t(g.k) + size_t(j)] = labelOf[size_t(found[size_t(j)].second)];
        g.distances[size_t(i) * size_t(g.k) + size_t(j)] =
            std::sqrt(std::max(0.0f, found[size_t(j)].first));
      }
      if ((++done & 4095) == 0) job.report(0.8 + 0.2 * double(done) / double(n));
    }
  };
  std::vector<std::thread> pool;
  for (int t = 0; t < std::max(1, threads); ++t) pool.emplace_back(refine);
  for (auto& t : pool) t.join();
}

}  // namespace

KnnGraph approximateKnn(const float* data, int64_t n, int dims, int k, uint64_t seed,
                        const JobControl& job, int threads, KnnEffort effort) {
  KnnGraph g;
  g.n = n;
  g.k = int(std::min<int64_t>(k, n - 1));
  g.indices.assign(size_t(n) * size_t(g.k), 0);
  g.distances.assign(size_t(n) * size_t(g.k), 0.0f);
  if (g.k <= 0) return g;
  SquaredL2Space space(static_cast<size_t>(dims));
  // M = 16 and efConstruction by effort: measured balances of build cost and recall (the
  // README's benchmark section).
  const size_t construction = effort == KnnEffort::Thorough ? 64 : 40;
  hnswlib::HierarchicalNSW<float> index(&space, size_t(n), 16, construction, size_t(seed));
  adviseHugePages(index.data_level0_memory_, size_t(n) * index.size_data_per_element_);
  // Every slot is claimed up front (the index frees by slot when it goes).
  index.cur_element_count = size_t(n);
  std::vector<int32_t> labelOf(static_cast<size_t>(n));
  std::iota(labelOf.begin(), labelOf.end(), 0);
  kdOrder(data, dims, labelOf.data(), labelOf.data() + n);
  std::vector<int32_t> slotOf(static_cast<size_t>(n));
  for (int64_t s = 0; s < n; ++s) slotOf[size_t(labelOf[size_t(s)])] = int32_t(s);
  // Points go in in a seeded random order: HNSW builds its best graphs from shuffled input,
  // and no point is favoured by where it sits in the file.
  std::vector<int64_t> order(static_cast<size_t>(n));
  std::iota(order.begin(), order.end(), int64_t(0));
  std::shuffle(order.begin(), order.end(), std::mt19937_64(seed));
  BatchedHnsw builder(index, data, dims, n, g.k, slotOf);
  builder.insertAll(order, threads, job.range(0.0, 0.8));

  // Each point then searches the finished graph from its own node; what that finds is merged
  // with what the insertions met.
  index.setEf(size_t(std::max(g.k + 1, 32)));
  refineNeighbours(index, builder, labelOf, g, job, threads);
  job.cancel.throwIfCancelled();
  return g;
}

}  // namespace strata
