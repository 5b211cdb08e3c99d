#include "chat/python_str.h"

#include <algorithm>
#include <cctype>

#include "chat/utf8.h"

namespace anvil::chat {
namespace {

// Non-ASCII code points count as letters without case: a word goes on
// through them, and they are left as they are.
bool is_cased(char32_t c) { return (c < 0x80 && std::isalpha(static_cast<int>(c))) || c >= 0x80; }
char32_t upper(char32_t c) { return c < 0x80 ? static_cast<char32_t>(std::toupper(static_cast<int>(c))) : c; }
char32_t lower(char32_t c) { return c < 0x80 ? static_cast<char32_t>(std::tolower(static_cast<int>(c))) : c; }

}  // namespace

std::string py_upper(const std::string& s) {
  std::string out = s;
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::toupper(c); });
  return out;
}

std::string py_lower(const std::string& s) {
  std::string out = s;
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

std::string py_capitalize(const std::string& s) {
  std::u32string chars = decode_utf8(s);
  for (size_t i = 0; i < chars.size(); ++i) chars[i] = i == 0 ? upper(chars[i]) : lower(chars[i]);
  return encode_utf8(chars);
}

std::string py_title(const std::string& s) {
  std::u32string chars = decode_utf8(s);
  bool previous_cased = false;
  for (char32_t& c : chars) {
    const bool cased = is_cased(c);
    if (cased) c = previous_cased ? lower(c) : upper(c);
    previous_cased = cased;
  }
  return encode_utf8(chars);
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
