#pragma once
// Memory for arrays read at random over many megabytes (a layout's positions at millions of
// points). With 4 KB pages every such read also misses the TLB and walks the page tables;
// memory asked for with transparent huge pages (2 MB, where the kernel allows them on request)
// lets the TLB cover gigabytes. Where the kernel gives none, the buffer is ordinary memory.

#include <cstddef>
#include <memory>

namespace strata {

class HugePageBuffer {
 public:
  // `count` floats, zero until written. Throws std::bad_alloc if the memory is not there.
  explicit HugePageBuffer(size_t count);
  float* data() { return data_.get(); }
  const float* data() const { return data_.get(); }
  size_t size() const { return count_; }

 private:
  // Unmaps the whole mapping the aligned data sit in.
  struct Unmap {
    void* base = nullptr;
    size_t length = 0;
    void operator()(float*) const;
  };
  std::unique_ptr<float, Unmap> data_;
  size_t count_;
};

}  // namespace strata
