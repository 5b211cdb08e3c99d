#pragma once
// UTF-8 as Python's str sees it: code points, not bytes, for len, indexing,
// slicing and stripping.
#include <string>
#include <string_view>
#include <vector>

namespace anvil::chat {

// Code points of TEXT; a malformed byte stands for itself.
std::u32string decode_utf8(std::string_view text);
std::string encode_utf8(std::u32string_view code_points);
void append_utf8(std::string& out, char32_t code_point);
size_t count_code_points(std::string_view text);

// Python's str.isspace for one code point.
bool is_python_space(char32_t c);
// Python's str.strip() / lstrip() / rstrip() with no argument.
std::string strip_python_space(std::string_view text, bool left, bool right);

}  // namespace anvil::chat
