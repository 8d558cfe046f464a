#pragma once
// Strata's own worker threads. Jobs never run on Qt's global thread pool: Qt's raster paint
// engine waits on that pool while it draws, so a long job there once froze the window for
// minutes (the GUI thread blocked inside QRasterPaintEngine::drawLines).

#include <functional>

class QThreadPool;

namespace strata {

// The pool one-shot jobs (open, project, statistics, metrics, loads) run on. Sized for the
// machine, at least two threads so a cancelled job that ignores its token cannot starve the
// next one. Created on first use, lives until the process ends.
QThreadPool& jobPool();

// The pool a frame's work is split over while the GUI thread waits for it (a density
// picture's bands of rows): one thread fewer than the cores, the GUI thread being the other.
// Separate from jobPool so a long job never delays a frame.
QThreadPool& framePool();

// Runs body(0 .. parts - 1): part 0 on the calling thread, the others on framePool, and
// returns when all are done. `parts` is clamped to framePool's threads plus one.
int frameParts();
void runFrameParts(int parts, const std::function<void(int)>& body);

}  // namespace strata
