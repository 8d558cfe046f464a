#pragma once
// Small generated inputs for tests that drive the window or the executable: the tiny models
// in tests/data/models/broken take 1 x 8 x 8 items.

#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QString>

#include <vector>

#include "core/data/npy.h"

namespace strata::test {

inline QString tinyModelPath(const QString& fileName) {
  return QStringLiteral(STRATA_SOURCE_DIR "/tests/data/models/broken/") + fileName;
}

// 120 images of 8 x 8 in four classes, written as small.npz in `folder`; returns its path.
inline QString writeTinyDataset(const QString& folder) {
  const int n = 120;
  std::vector<float> images(static_cast<size_t>(n) * 64);
  std::vector<int64_t> labels(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) {
    labels[size_t(i)] = i % 4;
    for (int p = 0; p < 64; ++p)
      images[size_t(i) * 64 + size_t(p)] = float((p * 7 + i * 13) % 17) / 16.0f;
  }
  const QString path = QDir(folder).filePath(QStringLiteral("small.npz"));
  writeNpz(path, {{"images", makeNpy(images, {n, 8, 8})}, {"labels", makeNpy(labels, {n})}});
  return path;
}

inline bool writeJsonFile(const QString& path, const QJsonObject& json) {
  QFile f(path);
  return f.open(QIODevice::WriteOnly) && f.write(QJsonDocument(json).toJson()) > 0;
}

}  // namespace strata::test
