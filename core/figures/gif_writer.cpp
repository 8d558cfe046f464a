#include "core/figures/gif_writer.h"

#include <QFile>

#include <gif_lib.h>

#include <memory>

#include "core/base/errors.h"

namespace strata {
namespace {

struct GifCloser {
  void operator()(GifFileType* gif) const {
    int error = 0;
    if (gif) EGifCloseFile(gif, &error);
  }
};

bool isGrey(const QVector<QImage>& frames) {
  for (const QImage& f : frames)
    if (!f.isGrayscale()) return false;
  return true;
}

}  // namespace

void writeGif(const QString& path, const QVector<QImage>& frames, int delayMs, int scale) {
  if (frames.isEmpty()) throw Error("GIF: no frames");
  scale = std::max(1, scale);
  const QSize size = frames.front().size() * scale;
  for (const QImage& f : frames)
    if (f.size() * scale != size) throw Error("GIF: frames differ in size");
  const bool grey = isGrey(frames);

  int error = 0;
  std::unique_ptr<GifFileType, GifCloser> gif(
      EGifOpenFileName(QFile::encodeName(path).constData(), false, &error));
  if (!gif) throw Error(path.toStdString() + ": cannot write GIF (" + GifErrorString(error) + ")");

  GifColorType colors[256];
  for (int i = 0; i < 256; ++i) {
    if (grey) {
      colors[i] = {GifByteType(i), GifByteType(i), GifByteType(i)};
    } else if (i < 252) {  // 6 x 7 x 6 cube
      colors[i] = {GifByteType((i / 42) * 51), GifByteType(((i / 6) % 7) * 255 / 6),
                   GifByteType((i % 6) * 51)};
    } else {
      colors[i] = {0, 0, 0};
    }
  }
  ColorMapObject* map = GifMakeMapObject(256, colors);
  EGifSetGifVersion(gif.get(), true);
  if (EGifPutScreenDesc(gif.get(), size.width(), size.height(), 8, 0, map) == GIF_ERROR) {
    GifFreeMapObject(map);
    throw Error(path.toStdString() + ": GIF header failed");
  }
  GifFreeMapObject(map);

  // Loop forever (NETSCAPE2.0 application extension).
  const unsigned char loop[3] = {1, 0, 0};
  EGifPutExtensionLeader(gif.get(), APPLICATION_EXT_FUNC_CODE);
  EGifPutExtensionBlock(gif.get(), 11, "NETSCAPE2.0");
  EGifPutExtensionBlock(gif.get(), 3, loop);
  EGifPutExtensionTrailer(gif.get());

  std::vector<GifPixelType> line(size_t(size.width()));
  for (const QImage& frame : frames) {
    GraphicsControlBlock gcb{};
    gcb.DisposalMode = DISPOSE_DO_NOT;
    gcb.DelayTime = std::max(1, delayMs / 10);
    gcb.TransparentColor = NO_TRANSPARENT_COLOR;
    GifByteType extension[4];
    const size_t length = EGifGCBToExtension(&gcb, extension);
    EGifPutExtension(gif.get(), GRAPHICS_EXT_FUNC_CODE, int(length), extension);
    if (EGifPutImageDesc(gif.get(), 0, 0, size.width(), size.height(), false, nullptr) == GIF_ERROR)
      throw Error(path.toStdString() + ": GIF frame failed");
    const QImage source =
        frame.convertToFormat(grey ? QImage::Format_Grayscale8 : QImage::Format_RGB888);
    for (int y = 0; y < size.height(); ++y) {
      const uchar* row = source.constScanLine(y / scale);
      for (int x = 0; x < size.width(); ++x) {
        const int sx = x / scale;
        if (grey) {
          line[size_t(x)] = row[sx];
        } else {
          const int r = (row[3 * size_t(sx)] + 25) / 51,
                    g = (row[3 * size_t(sx) + 1] * 6 + 127) / 255,
                    b = (row[3 * size_t(sx) + 2] + 25) / 51;
          line[size_t(x)] = GifPixelType(r * 42 + g * 6 + b);
        }
      }
      if (EGifPutLine(gif.get(), line.data(), size.width()) == GIF_ERROR)
        throw Error(path.toStdString() + ": writing GIF pixels failed");
    }
  }
  GifFileType* raw = gif.release();
  if (EGifCloseFile(raw, &error) == GIF_ERROR)
    throw Error(path.toStdString() + ": closing GIF failed (" + GifErrorString(error) + ")");
}

}  // namespace strata
