#include "common/tfrecord.h"

#include <array>

namespace anvil::common {
namespace {

constexpr size_t kHeaderBytes = 12, kFooterBytes = 4;

std::array<uint32_t, 256> crc32c_table() {
  std::array<uint32_t, 256> table{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;  // the reflected polynomial
    table[i] = c;
  }
  return table;
}

// TensorFlow masks the CRC so that a checksum of bytes holding checksums stays strong.
uint32_t masked_crc(std::string_view bytes) {
  const uint32_t crc = crc32c(bytes);
  return ((crc >> 15) | (crc << 17)) + 0xA282EAD8u;
}

void put_le(std::string& out, uint64_t value, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>((value >> (8 * i)) & 0xFF));
}

uint64_t get_le(std::string_view in, int bytes) {
  uint64_t value = 0;
  for (int i = 0; i < bytes; ++i) value |= static_cast<uint64_t>(static_cast<unsigned char>(in[i])) << (8 * i);
  return value;
}

}  // namespace

uint32_t crc32c(std::string_view bytes) {
  static const auto table = crc32c_table();
  uint32_t c = 0xFFFFFFFFu;
  for (unsigned char b : bytes) c = table[(c ^ b) & 0xFF] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

std::string tfrecord(std::string_view data) {
  std::string out;
  out.reserve(kHeaderBytes + data.size() + kFooterBytes);
  put_le(out, data.size(), 8);
  put_le(out, masked_crc(out), 4);
  out.append(data);
  put_le(out, masked_crc(data), 4);
  return out;
}

TfRecords read_tfrecords(std::string_view bytes) {
  TfRecords out;
  size_t at = 0;
  while (bytes.size() - at >= kHeaderBytes) {
    const std::string_view header = bytes.substr(at, kHeaderBytes);
    if (get_le(header.substr(8), 4) != masked_crc(header.substr(0, 8))) break;
    const uint64_t length = get_le(header, 8);
    if (length > bytes.size() - at - kHeaderBytes || bytes.size() - at - kHeaderBytes - length < kFooterBytes) break;
    const std::string_view data = bytes.substr(at + kHeaderBytes, length);
    if (get_le(bytes.substr(at + kHeaderBytes + length), 4) != masked_crc(data)) break;
    out.records.push_back(data);
    at += kHeaderBytes + length + kFooterBytes;
  }
  out.valid_bytes = at;
  return out;
}

}  // namespace anvil::common
