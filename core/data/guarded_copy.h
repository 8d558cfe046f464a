#pragma once
// Copying out of a mapped file that may shrink while it is read. When another process truncates
// a file Strata has mapped, reading a page wholly past the new end raises SIGBUS, which would
// stop the application. A guarded copy catches that signal on its own thread and reports it.
// (The rest of the page that holds the new end reads as zeros and raises nothing: callers check
// the file's size after copying, as MappedNpy does.)

#include <cstddef>

namespace strata {

// Copies n bytes from `mapped` to `out`. Returns false, with `out` partly written, if a page of
// `mapped` is no longer backed by the file. Any other SIGBUS (another address, or one sent by a
// process) goes to the handler that was installed before the first guarded copy, with that
// handler's own flags; by default it stops the process, as it would without Strata. A handler
// installed after the first guarded copy replaces the guard.
bool copyFromMapping(void* out, const void* mapped, size_t n);

}  // namespace strata
