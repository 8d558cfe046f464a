#pragma once
// Animated GIFs (giflib): grey frames use a 256-level grey palette, colour frames a 6x7x6
// colour cube. Frames must share one size; they are scaled by a whole number, never blurred.

#include <QImage>
#include <QString>
#include <QVector>

namespace strata {

// `delayMs` between frames; loops forever. Throws Error on failure.
void writeGif(const QString& path, const QVector<QImage>& frames, int delayMs, int scale = 1);

}  // namespace strata
