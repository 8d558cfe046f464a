#include "core/numeric/huge_page_buffer.h"

#include <sys/mman.h>

#include <cstdlib>
#include <new>

namespace strata {
namespace {

constexpr size_t kHugePage = size_t(2) << 20;

}  // namespace

void HugePageBuffer::Free::operator()(float* p) const {
  std::free(p);
}

HugePageBuffer::HugePageBuffer(size_t count) : count_(count) {
  // Whole huge pages, aligned to one, so the advice covers every byte.
  const size_t bytes = (count * sizeof(float) + kHugePage - 1) / kHugePage * kHugePage;
  void* p = bytes ? std::aligned_alloc(kHugePage, bytes) : nullptr;
  if (bytes && !p) throw std::bad_alloc();
#ifdef MADV_HUGEPAGE
  // Advice, before the pages are first touched; refused or ignored, the memory is the same.
  if (p) madvise(p, bytes, MADV_HUGEPAGE);
#endif
  data_.reset(static_cast<float*>(p));
}

}  // namespace strata
