#pragma once
// What Strata agrees to hold in memory for one data file. Every reader checks what a header
// declares against these limits and against the bytes actually present before it allocates,
// so a corrupt or hostile file is refused with a message instead of exhausting memory.

#include <cstdint>

namespace strata {

// The largest array Strata reads (an .npy payload, an .npz member, IDX data), the largest sum
// of all members of one .npz, and the largest converted copy (float pixels, labels, factors).
// Strata is meant for machines of 16 to 32 GB: while a dataset opens, the file's arrays and
// their converted copy live side by side (at most 2 x 8 GiB), which leaves room for the
// window, a model and a map. All 737,280 dSprites images (3 GB as uint8) fit.
constexpr uint64_t kMaxArrayBytes = 8ULL << 30;

// Arrays in one .npz: Strata uses a few named ones (images, labels, factors, vectors); the
// cap keeps an archive of millions of tiny members from costing more than its bytes.
constexpr int kMaxNpzMembers = 4096;

// A .npy header is a short Python dict; numpy itself refuses headers above 10,000 bytes.
constexpr uint64_t kMaxNpyHeaderBytes = 64 << 10;
// numpy's limit on the number of dimensions (NPY_MAXDIMS in numpy 2).
constexpr int kMaxNpyDims = 64;

// Deflate cannot expand one compressed byte into more than 1032 bytes (258-byte matches coded
// in 2 bits), so a compressed stream that declares more is refused before anything is
// allocated for it.
constexpr uint64_t kMaxDeflateRatio = 1032;

// Classes of a labelled dataset: the map's legend and palette show one entry per class, and a
// corrupt label (2,000,000,000) must not make Strata build a name for every class below it.
// 10,000 is far above the labelled image sets Strata is used with (Fashion-MNIST 10, CIFAR-100
// 100, ImageNet-1k 1,000).
constexpr int kMaxClasses = 10000;

// Ground-truth factors per item: each becomes a named colouring and a column of the metrics;
// dSprites has 6, 3D Shapes 6, MPI3D 7.
constexpr int kMaxFactors = 1000;

// One image file of an image folder (a 16-bit RGBA PNG of 8192 x 8192 is 512 MB raw; files
// are compressed). Qt's image readers refuse decoded images above their own allocation limit.
constexpr int64_t kMaxImageFileBytes = 256LL << 20;

}  // namespace strata
