#pragma once
// Copying out of a mapped file that may shrink while it is read. When another process truncates
// a file Strata has mapped, reading a page past the new end raises SIGBUS, which would stop the
// application. A guarded copy catches that signal on its own thread and reports it instead.

#include <cstddef>

namespace strata {

// Copies n bytes from `mapped` to `out`. Returns false, with `out` partly written, if a page of
// `mapped` is no longer backed by the file. A SIGBUS outside a guarded copy goes to the handler
// that was installed before Strata's (by default it stops the process, as without Strata).
bool copyFromMapping(void* out, const void* mapped, size_t n);

}  // namespace strata
