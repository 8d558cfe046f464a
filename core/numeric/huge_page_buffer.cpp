#include "core/numeric/huge_page_buffer.h"

#include <sys/mman.h>

#include <cstdint>
#include <new>

namespace strata {
namespace {

constexpr size_t kHugePage = size_t(2) << 20;

}  // namespace

void HugePageBuffer::Unmap::operator()(float*) const {
  if (base) munmap(base, length);
}

HugePageBuffer::HugePageBuffer(size_t count) : data_(nullptr, Unmap{}), count_(count) {
  if (count == 0) return;
  if (count > (SIZE_MAX - 2 * kHugePage) / sizeof(float)) throw std::bad_alloc();
  // Whole huge pages, aligned to one, so the advice covers every byte. The memory is mapped
  // for this buffer alone (not taken from the heap, where the advice would outlive it on
  // memory the allocator hands out again), one huge page more than needed to align it.
  const size_t bytes = (count * sizeof(float) + kHugePage - 1) / kHugePage * kHugePage;
  const size_t length = bytes + kHugePage;
  void* base = mmap(nullptr, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (base == MAP_FAILED) throw std::bad_alloc();
  const size_t skip = (kHugePage - uintptr_t(base) % kHugePage) % kHugePage;
  char* aligned = static_cast<char*>(base) + skip;
#ifdef MADV_HUGEPAGE
  // Advice, before the pages are first touched; refused or ignored, the memory is the same.
  madvise(aligned, bytes, MADV_HUGEPAGE);
#endif
  data_ = std::unique_ptr<float, Unmap>(reinterpret_cast<float*>(aligned), Unmap{base, length});
}

}  // namespace strata
