#pragma once
// NumPy .npy and .npz files: reading (any numeric dtype, C order) and writing (.npz, stored).

#include <QString>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace strata {

class ByteStream;

struct NpyArray {
  char kind = 'f';   // 'f' float, 'i' signed, 'u' unsigned (bool arrays read as 'u')
  int wordSize = 4;  // bytes per element
  std::vector<int64_t> shape;
  std::vector<uint8_t> bytes;  // little-endian, C order
  std::string where;           // file (and member) it was read from, for messages

  int64_t count() const;
  // "uint8", "int64", "float32": the dtype as numpy names it.
  std::string typeName() const;
  // Element i as a double (64-bit integers beyond 2^53 are rounded).
  double valueAt(int64_t i) const;
  // Element i if it is a whole number that fits an int64.
  bool integerAt(int64_t i, int64_t& value) const;
  // Element i as numpy prints it: "3", "-1", "2.5", "nan".
  std::string textAt(int64_t i) const;
  // Converted copies. Throw DataError naming `where` if the copy would exceed kMaxArrayBytes;
  // toInt also for any element that is not a whole number in the int64 range.
  std::vector<float> toFloat() const;
  // The same into `out`, which holds count() floats (no size check: the caller allocated it).
  void toFloat(float* out) const;
  std::vector<double> toDouble() const;
  std::vector<int64_t> toInt() const;
  // The same into `out`, which holds count() values; messages number the items from
  // `firstIndex` (this array is a part of a larger one that starts there).
  void toInt(int64_t* out, int64_t firstIndex = 0) const;
};

// Readers refuse every malformed, inconsistent or oversized input with a DataError naming the
// file (and member) and the problem, before allocating what a header declares (limits in
// core/data/data_limits.h). .npz members must be stored or deflated, their CRC-32 must match.
NpyArray readNpy(const QString& path);
// The .npy that is the whole of `in` (a file, a stored or deflated .npz member).
NpyArray readNpy(ByteStream& in);
// Only the header of that .npy: kind, word size, shape and `where` set, `bytes` empty, the
// declared data checked against what the stream can hold. `dataOffset` is where the data start.
NpyArray readNpyHeader(ByteStream& in, uint64_t& dataOffset);
NpyArray parseNpy(const uint8_t* data, size_t size, const std::string& where);
inline NpyArray parseNpy(const std::vector<uint8_t>& data, const std::string& where) {
  return parseNpy(data.data(), data.size(), where);
}
std::map<std::string, NpyArray> readNpz(const QString& path);
std::map<std::string, NpyArray> parseNpz(const uint8_t* data, size_t size,
                                         const std::string& where);

NpyArray makeNpy(const std::vector<float>& values, std::vector<int64_t> shape);
NpyArray makeNpy(const std::vector<double>& values, std::vector<int64_t> shape);
NpyArray makeNpy(const std::vector<uint8_t>& values, std::vector<int64_t> shape);
NpyArray makeNpy(const std::vector<int64_t>& values, std::vector<int64_t> shape);
std::vector<uint8_t> serializeNpy(const NpyArray& array);
// Writes an uncompressed .npz (as numpy.savez does) readable by numpy.load.
void writeNpz(const QString& path, const std::map<std::string, NpyArray>& arrays);

}  // namespace strata
