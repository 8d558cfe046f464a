#pragma once
// Shared by the fuzz targets: a DataError is the reader's expected answer to a bad input;
// anything else (another exception, a crash, a sanitizer report) is a finding.

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "core/base/errors.h"

namespace strata::fuzz {

// Words of the standard library that must never reach a user's message. The file and member
// names in front of the problem, and words the input itself holds (a quoted dtype), are the
// input's, not a library's.
inline void checkMessage(const char* message, std::string_view input) {
  for (const char* leak : {"stoll", "stoi", "bad_alloc", "max_size", "basic_string", "vector::"})
    if (std::strstr(message, leak) && input.find(leak) == std::string_view::npos) {
      std::fprintf(stderr, "a library's message reached the user: %s\n", message);
      std::abort();
    }
}

// Runs `parse` on `input`; only a DataError with a clean message may come out of it.
template <class F>
void expectDataErrorOnly(const uint8_t* data, size_t size, F parse) {
  try {
    parse();
  } catch (const DataError& e) {
    checkMessage(e.problem().c_str(), std::string_view(reinterpret_cast<const char*>(data), size));
  }
}

}  // namespace strata::fuzz
