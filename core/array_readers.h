#pragma once
// Datasets from NumPy arrays (.npy, .npz) and from folders of PNG/JPEG images.

#include <QString>

#include <memory>

#include "core/array_dataset.h"

namespace strata {

// .npz with images under "imgs", "images" or "x"; optional labels ("labels", "y") and factors
// ("latents_values" or "factors", [N, F]). A .npy holds images only. Images may be [N, H, W],
// [N, C, H, W] or [N, H, W, C] (C = 1 or 3); 8-bit images are scaled to [0, 1] (binary 0/1
// images are kept as they are); float images must already lie in [0, 1].
std::shared_ptr<ArrayDataset> loadArrayDataset(const QString& path);

struct NpyArray;
// A dataset of the images in one array (rules as above); `path` names the source in errors.
std::shared_ptr<ArrayDataset> datasetFromImageArray(const NpyArray& images, const QString& path,
                                                    const QString& name);

// Every PNG/JPEG in the folder (sorted by name); with sub-folders, each sub-folder is a class.
// All images must share one size; grey images give 1 channel, others 3.
std::shared_ptr<ArrayDataset> loadImageFolder(const QString& path);

}  // namespace strata
