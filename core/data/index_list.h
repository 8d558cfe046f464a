#pragma once
// Item indices given as a .npy file (`strata metrics --indices`): a one-dimensional array of
// non-negative integers. Qt Core and the .npy parser only (no LibTorch), so it can be fuzzed.

#include <QByteArray>
#include <QString>

#include <cstdint>
#include <vector>

namespace strata {

// Far above the 737,280 items of dSprites (8 bytes each), far below what would hurt.
constexpr qint64 kMaxIndexFileBytes = 64LL << 20;

// The indices in the bytes of such a file; throws DataError(where, problem) if they are not a
// readable .npy array, not one-dimensional, empty, not whole numbers or negative.
std::vector<int64_t> parseIndexList(const QByteArray& bytes, const QString& where);

// Reads at most kMaxIndexFileBytes of a regular file (core/base/file_io.h), then parses it.
std::vector<int64_t> readIndexList(const QString& path);

}  // namespace strata
