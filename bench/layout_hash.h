#pragma once
// A hash of a layout's values, printed by the benchmarks of layouts so that a change meant to
// leave a layout as it was can be checked bit for bit (FNV-1a over the values' 32-bit words).

#include <cstdint>
#include <cstring>
#include <vector>

namespace strata::bench {

inline uint64_t layoutHash(const std::vector<float>& values) {
  uint64_t hash = 1469598103934665603ull;
  for (const float v : values) {
    uint32_t bits;
    std::memcpy(&bits, &v, sizeof bits);
    hash = (hash ^ bits) * 1099511628211ull;
  }
  return hash;
}

}  // namespace strata::bench
