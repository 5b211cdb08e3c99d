#include "chat/python_str.h"

#include <cctype>

#include "chat/utf8.h"

namespace anvil::chat {
namespace {

// Case pairs beyond ASCII: Latin-1, Latin Extended-A, Greek, Cyrillic and
// fullwidth Latin, the scripts chat text mostly cases. Of the mappings to
// several code points only the sharp s's is kept (ß upper-cases to SS).
char32_t upper(char32_t c) {
  if (c < 0x80) return static_cast<char32_t>(std::toupper(static_cast<int>(c)));
  if ((c >= 0xE0 && c <= 0xFE && c != 0xF7)) return c - 0x20;
  if (c == 0xFF) return 0x178;
  if (c == 0xB5) return 0x39C;
  if ((c >= 0x100 && c <= 0x137 && c != 0x130 && c != 0x131) || (c >= 0x14A && c <= 0x177)) return c & ~1u;
  if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E)) return (c & 1u) ? c : c - 1;
  if (c == 0x131) return 'I';
  if (c == 0x3C2) return 0x3A3;
  if (c >= 0x3B1 && c <= 0x3C9) return c - 0x20;
  if (c == 0x3AC) return 0x386;
  if (c >= 0x3AD && c <= 0x3AF) return c - 0x25;
  if (c == 0x3CC) return 0x38C;
  if (c == 0x3CD || c == 0x3CE) return c - 0x3F;
  if (c >= 0x430 && c <= 0x44F) return c - 0x20;
  if (c >= 0x450 && c <= 0x45F) return c - 0x50;
  if (c >= 0xFF41 && c <= 0xFF5A) return c - 0x20;
  return c;
}

char32_t lower(char32_t c) {
  if (c < 0x80) return static_cast<char32_t>(std::tolower(static_cast<int>(c)));
  if ((c >= 0xC0 && c <= 0xDE && c != 0xD7)) return c + 0x20;
  if (c == 0x178) return 0xFF;
  if ((c >= 0x100 && c <= 0x137 && c != 0x130 && c != 0x131) || (c >= 0x14A && c <= 0x177)) return c | 1u;
  if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E)) return (c & 1u) ? c + 1 : c;
  if (c >= 0x391 && c <= 0x3A9 && c != 0x3A2) return c + 0x20;
  if (c == 0x386) return 0x3AC;
  if (c >= 0x388 && c <= 0x38A) return c + 0x25;
  if (c == 0x38C) return 0x3CC;
  if (c == 0x38E || c == 0x38F) return c + 0x3F;
  if (c >= 0x410 && c <= 0x42F) return c + 0x20;
  if (c >= 0x400 && c <= 0x40F) return c + 0x50;
  if (c >= 0xFF21 && c <= 0xFF3A) return c + 0x20;
  return c;
}

constexpr char32_t kSharpS = 0xDF;

// Python's cased letters, as far as the tables above know them.
bool is_cased(char32_t c) { return upper(c) != c || lower(c) != c || c == kSharpS; }

// C upper-cased, or title-cased (the first letter of a word).
std::u32string upper_case(char32_t c, bool title) {
  if (c == kSharpS) return title ? U"Ss" : U"SS";
  return std::u32string(1, upper(c));
}

}  // namespace

std::string py_upper(const std::string& s) {
  std::u32string out;
  for (char32_t c : decode_utf8(s)) out += upper_case(c, false);
  return encode_utf8(out);
}

std::string py_lower(const std::string& s) {
  std::u32string chars = decode_utf8(s);
  for (char32_t& c : chars) c = lower(c);
  return encode_utf8(chars);
}

std::string py_capitalize(const std::string& s) {
  const std::u32string chars = decode_utf8(s);
  std::u32string out;
  for (size_t i = 0; i < chars.size(); ++i) out += i == 0 ? upper_case(chars[i], true) : std::u32string(1, lower(chars[i]));
  return encode_utf8(out);
}

std::string py_title(const std::string& s) {
  std::u32string out;
  bool previous_cased = false;
  for (char32_t c : decode_utf8(s)) {
    const bool cased = is_cased(c);
    out += !cased ? std::u32string(1, c) : previous_cased ? std::u32string(1, lower(c)) : upper_case(c, true);
    previous_cased = cased;
  }
  return encode_utf8(out);
}

std::string py_strip(const std::string& s, const std::optional<std::string>& chars, bool left, bool right) {
  if (!chars) return strip_python_space(s, left, right);
  const std::u32string text = decode_utf8(s), set = decode_utf8(*chars);
  auto strippable = [&](char32_t c) { return set.find(c) != std::u32string::npos; };
  size_t begin = 0, end = text.size();
  while (left && begin < end && strippable(text[begin])) ++begin;
  while (right && end > begin && strippable(text[end - 1])) --end;
  return encode_utf8(std::u32string_view(text).substr(begin, end - begin));
}

std::vector<std::string> py_split(const std::string& s, const std::optional<std::string>& sep, int64_t max_split) {
  std::vector<std::string> parts;
  if (sep) {
    size_t start = 0;
    for (size_t at; (max_split < 0 || static_cast<int64_t>(parts.size()) < max_split) &&
                    (at = s.find(*sep, start)) != std::string::npos;
         start = at + sep->size())
      parts.push_back(s.substr(start, at - start));
    parts.push_back(s.substr(start));
    return parts;
  }
  const std::u32string text = decode_utf8(s);
  size_t i = 0;
  for (;;) {
    while (i < text.size() && is_python_space(text[i])) ++i;
    if (i == text.size()) break;
    if (max_split >= 0 && static_cast<int64_t>(parts.size()) == max_split) {
      parts.push_back(encode_utf8(std::u32string_view(text).substr(i)));
      break;
    }
    size_t end = i;
    while (end < text.size() && !is_python_space(text[end])) ++end;
    parts.push_back(encode_utf8(std::u32string_view(text).substr(i, end - i)));
    i = end;
  }
  return parts;
}

std::vector<std::string> py_splitlines(const std::string& s) {
  std::vector<std::string> lines;
  size_t start = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\n' && s[i] != '\r') continue;
    lines.push_back(s.substr(start, i - start));
    if (s[i] == '\r' && i + 1 < s.size() && s[i + 1] == '\n') ++i;
    start = i + 1;
  }
  if (start < s.size()) lines.push_back(s.substr(start));
  return lines;
}

std::string py_replace(const std::string& s, const std::string& old, const std::string& replacement, int64_t count) {
  if (old.empty()) {
    // Python inserts the replacement around every code point.
    std::string out;
    int64_t done = 0;
    for (char32_t c : decode_utf8(s)) {
      if (count < 0 || done < count) out += replacement, ++done;
      append_utf8(out, c);
    }
    if (count < 0 || done < count) out += replacement;
    return out;
  }
  std::string out;
  size_t start = 0;
  for (int64_t done = 0; count < 0 || done < count; ++done) {
    const size_t at = s.find(old, start);
    if (at == std::string::npos) break;
    out.append(s, start, at - start);
    out += replacement;
    start = at + old.size();
  }
  return out + s.substr(start);
}

int64_t py_count(const std::string& s, const std::string& sub) {
  if (sub.empty()) return static_cast<int64_t>(count_code_points(s)) + 1;
  int64_t n = 0;
  for (size_t at = s.find(sub); at != std::string::npos; at = s.find(sub, at + sub.size())) ++n;
  return n;
}

int64_t py_find(const std::string& s, const std::string& sub, bool last) {
  const size_t at = last ? s.rfind(sub) : s.find(sub);
  if (at == std::string::npos) return -1;
  return static_cast<int64_t>(count_code_points(std::string_view(s).substr(0, at)));
}

}  // namespace anvil::chat
