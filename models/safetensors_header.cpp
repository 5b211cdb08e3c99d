#include "models/safetensors_header.h"

#include <limits>
#include <stdexcept>
#include <utility>

#include <nlohmann/json.hpp>

#include "common/json_depth.h"

namespace anvil::models {
namespace {

std::string shape_text(const std::vector<int64_t>& shape) {
  std::string out = "[";
  for (size_t i = 0; i < shape.size(); ++i) out += (i ? ", " : "") + std::to_string(shape[i]);
  return out + "]";
}

// A header's shape: a list of non-negative integers (torch would reject a
// negative one with a message that names neither file nor tensor).
std::vector<int64_t> read_shape(const nlohmann::json& shape) {
  bool valid = shape.is_array();
  for (size_t i = 0; valid && i < shape.size(); ++i)
    valid = shape[i].is_number_unsigned() &&
            shape[i].get<uint64_t>() <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
  if (!valid) throw std::runtime_error("shape must be a list of non-negative integers, got " + shape.dump());
  return shape.get<std::vector<int64_t>>();
}

// Bytes the tensor's data takes, refusing shapes whose size overflows 64 bits.
uint64_t byte_count(const std::vector<int64_t>& shape, size_t element_bytes) {
  uint64_t bytes = element_bytes;
  for (const int64_t dim : shape) {
    const auto d = static_cast<uint64_t>(dim);
    if (d != 0 && bytes > std::numeric_limits<uint64_t>::max() / d)
      throw std::runtime_error("shape " + shape_text(shape) + " is too large for any file");
    bytes *= d;
  }
  return bytes;
}

SafetensorsEntry read_entry(const nlohmann::json& entry, uint64_t data_start, uint64_t data_size,
                            const std::string& path) {
  SafetensorsEntry out;
  out.dtype = entry.at("dtype").get<std::string>();
  const size_t element_bytes = safetensors_dtype_bytes(out.dtype);
  if (element_bytes == 0) throw std::runtime_error("unsupported safetensors dtype '" + out.dtype + "'");
  out.shape = read_shape(entry.at("shape"));
  const auto offsets = entry.at("data_offsets").get<std::vector<uint64_t>>();
  // Checked before anything is mapped: a shape the file cannot hold is never read.
  if (offsets.size() != 2 || offsets[0] > offsets[1] || offsets[1] > data_size ||
      offsets[1] - offsets[0] != byte_count(out.shape, element_bytes))
    throw std::runtime_error("data_offsets do not match shape " + shape_text(out.shape) + " or the file size");
  out.begin = data_start + offsets[0];
  out.end = data_start + offsets[1];
  return out;
}

}  // namespace

size_t safetensors_dtype_bytes(const std::string& dtype) {
  static const std::map<std::string, size_t> kBytes = {{"F64", 8}, {"F32", 4}, {"F16", 2}, {"BF16", 2},
                                                       {"I64", 8}, {"I32", 4}, {"I16", 2}, {"I8", 1},
                                                       {"U8", 1},  {"BOOL", 1}};
  const auto it = kBytes.find(dtype);
  return it == kBytes.end() ? 0 : it->second;
}

SafetensorsHeader read_safetensors_header(std::istream& in, uint64_t file_size, const std::string& path) {
  unsigned char length_bytes[8] = {};
  if (file_size < 8 || !in.read(reinterpret_cast<char*>(length_bytes), 8))
    throw std::runtime_error("'" + path + "' is not a safetensors file: shorter than its 8-byte header length");
  uint64_t length = 0;
  for (int i = 7; i >= 0; --i) length = (length << 8) | length_bytes[i];
  if (length > file_size - 8)
    throw std::runtime_error("'" + path + "' is truncated or not a safetensors file: header of " +
                             std::to_string(length) + " bytes in a file of " + std::to_string(file_size));
  std::string text(length, '\0');
  if (!in.read(text.data(), static_cast<std::streamsize>(length)))
    throw std::runtime_error("'" + path + "': cannot read its safetensors header of " + std::to_string(length) +
                             " bytes");
  if (common::json_depth(text) > common::kMaxJsonDepth)
    throw std::runtime_error("'" + path + "': safetensors header nests deeper than " +
                             std::to_string(common::kMaxJsonDepth) + " levels");
  nlohmann::json header;
  try {
    header = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw std::runtime_error("'" + path + "': safetensors header is not JSON: " + e.what());
  }
  if (!header.is_object())
    throw std::runtime_error("'" + path + "': safetensors header is not a JSON object but " +
                             std::string(header.type_name()));
  SafetensorsHeader out;
  const uint64_t data_start = 8 + length, data_size = file_size - data_start;
  for (const auto& [name, entry] : header.items()) {
    try {
      if (name == "__metadata__") out.metadata = entry.get<std::map<std::string, std::string>>();
      else out.entries.emplace(name, read_entry(entry, data_start, data_size, path));
    } catch (const nlohmann::json::exception& e) {
      throw std::runtime_error("'" + path + "': tensor '" + name + "': malformed header entry: " + e.what());
    } catch (const std::runtime_error& e) {
      throw std::runtime_error("'" + path + "': tensor '" + name + "': " + e.what());
    }
  }
  return out;
}

}  // namespace anvil::models
