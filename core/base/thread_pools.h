#pragma once
// Strata's own worker threads. Jobs never run on Qt's global thread pool: Qt's raster paint
// engine waits on that pool while it draws, so a long job there once froze the window for
// minutes (the GUI thread blocked inside QRasterPaintEngine::drawLines).

class QThreadPool;

namespace strata {

// The pool one-shot jobs (open, project, statistics, metrics, loads) run on. Sized for the
// machine, at least two threads so a cancelled job that ignores its token cannot starve the
// next one. Created on first use, lives until the process ends.
QThreadPool& jobPool();

}  // namespace strata
