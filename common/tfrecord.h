#pragma once
// TFRecord framing, the container of TensorBoard's event files, as TensorFlow
// defines it: each record is its length (uint64, little-endian), the masked
// CRC-32C of those 8 bytes, the data, and the masked CRC-32C of the data.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace anvil::common {

// CRC-32C (Castagnoli), the checksum TFRecord masks.
uint32_t crc32c(std::string_view bytes);

// The record of `data`, framed.
std::string tfrecord(std::string_view data);

struct TfRecords {
  std::vector<std::string_view> records;  // views into the bytes read
  size_t valid_bytes = 0;                 // where the last whole, checked record ends
};

// The records of `bytes` up to the first one cut short or whose checksum
// fails: what a write a kill interrupted leaves at the end of a file.
TfRecords read_tfrecords(std::string_view bytes);

}  // namespace anvil::common
