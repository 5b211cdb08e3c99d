#pragma once
// The header of a safetensors file, read and checked without LibTorch: the
// 8-byte little-endian length, the JSON object of tensor entries and
// "__metadata__", and every entry's dtype, shape and data_offsets against the
// file's size. What a hostile file can reach of the reader.
#include <cstdint>
#include <istream>
#include <map>
#include <string>
#include <vector>

namespace anvil::models {

struct SafetensorsEntry {
  std::string dtype;  // "F32", "BF16", ... (see safetensors_dtype_bytes)
  std::vector<int64_t> shape;
  uint64_t begin = 0, end = 0;  // byte range in the file
};

struct SafetensorsHeader {
  std::map<std::string, std::string> metadata;
  std::map<std::string, SafetensorsEntry> entries;
};

// Bytes per element of a dtype anvil reads (F64, F32, F16, BF16, I64, I32, I16,
// I8, U8, BOOL); 0 for any other name.
size_t safetensors_dtype_bytes(const std::string& dtype);

// Reads the header from the start of `in`, a file of `file_size` bytes. Throws
// std::runtime_error naming `path` (and the tensor) for a truncated, foreign or
// inconsistent header.
SafetensorsHeader read_safetensors_header(std::istream& in, uint64_t file_size, const std::string& path);

}  // namespace anvil::models
