#include "chat/utf8.h"

namespace anvil::chat {
namespace {

// The length of the sequence a lead byte starts, or 0 for a byte that
// cannot start one.
size_t sequence_length(unsigned char lead) {
  if (lead < 0x80) return 1;
  if ((lead & 0xE0) == 0xC0) return 2;
  if ((lead & 0xF0) == 0xE0) return 3;
  if ((lead & 0xF8) == 0xF0) return 4;
  return 0;
}

// Decodes the code point at TEXT[POS] and advances POS past it.
char32_t next_code_point(std::string_view text, size_t& pos) {
  const auto lead = static_cast<unsigned char>(text[pos]);
  const size_t n = sequence_length(lead);
  if (n <= 1 || pos + n > text.size()) {
    ++pos;
    return lead;
  }
  char32_t c = lead & (0xFF >> (n + 1));
  for (size_t i = 1; i < n; ++i) {
    const auto byte = static_cast<unsigned char>(text[pos + i]);
    if ((byte & 0xC0) != 0x80) {
      ++pos;
      return lead;
    }
    c = (c << 6) | (byte & 0x3F);
  }
  pos += n;
  return c;
}

}  // namespace

std::u32string decode_utf8(std::string_view text) {
  std::u32string out;
  for (size_t pos = 0; pos < text.size();) out.push_back(next_code_point(text, pos));
  return out;
}

void append_utf8(std::string& out, char32_t c) {
  if (c < 0x80) {
    out.push_back(static_cast<char>(c));
  } else if (c < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (c >> 6)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else if (c < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (c >> 12)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (c >> 18)));
    out.push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  }
}

std::string encode_utf8(std::u32string_view code_points) {
  std::string out;
  for (char32_t c : code_points) append_utf8(out, c);
  return out;
}

size_t count_code_points(std::string_view text) {
  size_t n = 0;
  for (size_t pos = 0; pos < text.size(); ++n) next_code_point(text, pos);
  return n;
}

bool is_python_space(char32_t c) {
  return (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20) || c == 0x85 || c == 0xA0 || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
}

std::string strip_python_space(std::string_view text, bool left, bool right) {
  const std::u32string chars = decode_utf8(text);
  size_t begin = 0, end = chars.size();
  while (left && begin < end && is_python_space(chars[begin])) ++begin;
  while (right && end > begin && is_python_space(chars[end - 1])) --end;
  return encode_utf8(std::u32string_view(chars).substr(begin, end - begin));
}

}  // namespace anvil::chat
