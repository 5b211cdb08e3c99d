#include "tokenizers/byte_level.h"

#include <unordered_map>

#include "tokenizers/utf8.h"

namespace anvil::tokenizers {
namespace {

// Printable bytes stand for themselves; the others take code points from 256 up, in byte order.
std::array<char32_t, 256> byte_code_points() {
  std::array<char32_t, 256> table{};
  char32_t next = 256;
  for (int b = 0; b < 256; ++b) {
    const bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
    table[b] = printable ? static_cast<char32_t>(b) : next++;
  }
  return table;
}

const std::unordered_map<char32_t, uint8_t>& code_point_bytes() {
  static const auto map = [] {
    std::unordered_map<char32_t, uint8_t> m;
    const auto table = byte_code_points();
    for (int b = 0; b < 256; ++b) m[table[b]] = static_cast<uint8_t>(b);
    return m;
  }();
  return map;
}

}  // namespace

const std::array<std::string, 256>& byte_level_chars() {
  static const auto chars = [] {
    std::array<std::string, 256> out;
    const auto table = byte_code_points();
    for (int b = 0; b < 256; ++b) append_utf8(out[b], table[b]);
    return out;
  }();
  return chars;
}

std::string to_byte_level(std::string_view bytes) {
  const auto& chars = byte_level_chars();
  std::string out;
  out.reserve(bytes.size() * 2);
  for (const char c : bytes) out += chars[static_cast<unsigned char>(c)];
  return out;
}

bool from_byte_level(std::string_view text, std::string& bytes) {
  const auto& map = code_point_bytes();
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    size_t n = 0;
    const auto it = map.find(decode_code_point(text, i, &n));
    if (it == map.end()) return false;
    out += static_cast<char>(it->second);
    i += n;
  }
  bytes += out;
  return true;
}

}  // namespace anvil::tokenizers
