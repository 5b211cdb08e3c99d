#pragma once
// Reading text files line by line, or whole, as valid UTF-8, with errors that
// name the file and line: the ground floor of every corpus and dataset reader.
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>

#include <nlohmann/json_fwd.hpp>

namespace anvil::data {

// "FILE:LINE: what".
std::runtime_error error_at(const std::string& path, int64_t line, const std::string& what);

// The whole file, without a UTF-8 byte order mark. Missing, unreadable and
// empty files and directories are errors; invalid UTF-8 is an error naming
// line and byte, or with `replace` becomes U+FFFD.
std::string read_whole_file(const std::string& path, bool replace);

// Byte offset of the first invalid UTF-8 sequence in `text`, or npos if valid.
size_t find_invalid_utf8(const std::string& text);

// Each line (without its '\n', nor the first line's byte order mark) and its
// 1-based number, one line in memory at a time.
void for_each_line(const std::string& path, bool replace,
                   const std::function<void(const std::string&, int64_t)>& visit);

// Each non-blank line of a jsonl file as a JSON object; a line that is not
// valid JSON or not an object is an error naming the file and line.
void for_each_json_record(const std::string& path, bool replace,
                          const std::function<void(const nlohmann::ordered_json&, int64_t)>& visit);

// "a, b, c": the keys of a JSON object, for errors about a missing field.
std::string field_names(const nlohmann::ordered_json& object);

}  // namespace anvil::data
