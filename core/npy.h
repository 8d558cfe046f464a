#pragma once
// NumPy .npy and .npz files: reading (any numeric dtype, C order) and writing (.npz, stored).

#include <QString>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace strata {

struct NpyArray {
  char kind = 'f';   // 'f' float, 'i' signed, 'u' unsigned, 'b' bool
  int wordSize = 4;  // bytes per element
  std::vector<int64_t> shape;
  std::vector<uint8_t> bytes;  // little-endian, C order

  int64_t count() const;
  std::vector<float> toFloat() const;
  std::vector<double> toDouble() const;
  std::vector<int64_t> toInt() const;
};

// Throws DataError naming the file (and member) and the problem.
NpyArray readNpy(const QString& path);
NpyArray parseNpy(const std::vector<uint8_t>& data, const std::string& where);
std::map<std::string, NpyArray> readNpz(const QString& path);

NpyArray makeNpy(const std::vector<float>& values, std::vector<int64_t> shape);
NpyArray makeNpy(const std::vector<double>& values, std::vector<int64_t> shape);
NpyArray makeNpy(const std::vector<uint8_t>& values, std::vector<int64_t> shape);
NpyArray makeNpy(const std::vector<int64_t>& values, std::vector<int64_t> shape);
std::vector<uint8_t> serializeNpy(const NpyArray& array);
// Writes an uncompressed .npz (as numpy.savez does) readable by numpy.load.
void writeNpz(const QString& path, const std::map<std::string, NpyArray>& arrays);

}  // namespace strata
