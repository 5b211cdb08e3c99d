#pragma once
// Python's str operations on UTF-8 text, for the string methods and filters.
// Case mapping covers ASCII, Latin-1, Latin Extended-A, Greek, Cyrillic and
// fullwidth Latin letters.
#include <optional>
#include <string>
#include <vector>

namespace anvil::chat {

std::string py_upper(const std::string& s);
std::string py_lower(const std::string& s);
std::string py_capitalize(const std::string& s);
std::string py_title(const std::string& s);  // str.title()
// CHARS: the code points to strip; nullopt strips whitespace.
std::string py_strip(const std::string& s, const std::optional<std::string>& chars, bool left, bool right);
// SEP nullopt splits on runs of whitespace; MAX_SPLIT < 0 splits everywhere.
std::vector<std::string> py_split(const std::string& s, const std::optional<std::string>& sep, int64_t max_split);
std::vector<std::string> py_splitlines(const std::string& s);
std::string py_replace(const std::string& s, const std::string& old, const std::string& replacement, int64_t count);
int64_t py_count(const std::string& s, const std::string& sub);
// Code point index of the first (or last) SUB in S, or -1.
int64_t py_find(const std::string& s, const std::string& sub, bool last);

}  // namespace anvil::chat
