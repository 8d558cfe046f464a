#pragma once
// Datasets from NumPy arrays (.npy, .npz) and from folders of PNG/JPEG images.

#include <QString>

#include <map>
#include <memory>
#include <string>

#include "core/data/array_dataset.h"
#include "core/data/image_folder.h"
#include "core/data/npy.h"

namespace strata {

// .npz with images under "imgs", "images" or "x"; optional labels ("labels", "y") and factors
// ("latents_values" or "factors", [N, F]). A .npy holds images only. Images may be [N, H, W],
// [N, C, H, W] or [N, H, W, C] (C = 1 or 3). Pixels: uint8 is scaled by 1/255, uint16 by
// 1/65535; integer images holding only 0 and 1 are binary and kept as they are; other integer
// types (int8's negative half included) are refused; float images must be finite and lie in
// [0, 1], unless the .npz holds pixel_range = [low, high] or the spec names a range, the range
// its float images are stored in (e.g. [-1, 1]), which they are then mapped from once, on reading.
// Every refusal is a DataError naming the file, the array and the first bad item. The range float
// images are stored in; [0, 1] unless a file or a dataset spec declares another.
struct PixelRange {
  double low = 0, high = 1;
  bool declared = false;
};

// `given`: a range named outside the file (the dataset spec "range=LOW,HIGH:PATH"); an .npz
// that declares a different pixel_range is refused rather than guessed about.
std::shared_ptr<ArrayDataset> loadArrayDataset(const QString& path, const PixelRange& given = {});
// The same from the arrays of an .npz already read; `path` names it in messages.
std::shared_ptr<ArrayDataset> datasetFromArrays(std::map<std::string, NpyArray> arrays,
                                                const QString& path, const PixelRange& given = {});
// An .npz's pixel_range array; throws DataError unless it is two finite numbers, low < high.
PixelRange pixelRangeOf(const NpyArray& array);

// A dataset of the images in one array (rules as above); `path` names the source in errors.
std::shared_ptr<ArrayDataset> datasetFromImageArray(NpyArray images, const QString& path,
                                                    const QString& name,
                                                    const PixelRange& range = {});

// Labels [N] of the dataset's N items: whole numbers from 0 to kMaxClasses - 1 (class names
// "0", "1", ...). `items` names the items in messages ("images", "vectors").
void setArrayLabels(ArrayDataset& dataset, const NpyArray& labels, const char* items);
// Ground-truth factors [N, F] (1 <= F <= kMaxFactors), finite.
void setArrayFactors(ArrayDataset& dataset, const NpyArray& factors);

}  // namespace strata
