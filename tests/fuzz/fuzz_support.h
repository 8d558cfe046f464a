#pragma once
// Shared by the fuzz targets: a DataError is the reader's expected answer to a bad input;
// anything else (another exception, a crash, a sanitizer report) is a finding.

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "core/errors.h"

namespace strata::fuzz {

// Words of the standard library or of zlib that must never reach a user's message.
inline void checkMessage(const char* message) {
  for (const char* leak : {"stoll", "stoi", "bad_alloc", "max_size", "basic_string", "vector::"})
    if (std::strstr(message, leak)) {
      std::fprintf(stderr, "a library's message reached the user: %s\n", message);
      std::abort();
    }
}

// Runs `parse`; only a DataError with a clean message may come out of it.
template <class F>
void expectDataErrorOnly(F parse) {
  try {
    parse();
  } catch (const DataError& e) {
    checkMessage(e.what());
  }
}

}  // namespace strata::fuzz
