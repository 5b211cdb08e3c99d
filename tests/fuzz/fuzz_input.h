#pragma once
// What the fuzz targets share: the input as a file, for readers that take a
// path (written once per input into a directory of this process's own), and
// the rule they all test, that bad input is an exception and never a crash.
#include <unistd.h>

#include <cstdint>
#include <exception>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace anvil::fuzz {

inline std::string input_file(const uint8_t* data, size_t size, const std::string& name) {
  static const std::filesystem::path dir = [] {
    auto d = std::filesystem::temp_directory_path() / ("anvil-fuzz-" + std::to_string(::getpid()));
    std::filesystem::create_directories(d);
    return d;
  }();
  const auto path = dir / name;
  std::ofstream(path, std::ios::binary | std::ios::trunc).write(reinterpret_cast<const char*>(data),
                                                                 static_cast<std::streamsize>(size));
  return path.string();
}

// The input cut at its NUL bytes into at most `parts` files of one directory
// (a model directory's tokenizer files); an empty part's file is absent.
inline std::string input_directory(const uint8_t* data, size_t size, const std::vector<std::string>& names) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  size_t begin = 0;
  std::string dir;
  for (size_t i = 0; i < names.size(); ++i) {
    size_t end = i + 1 == names.size() ? bytes.size() : bytes.find('\0', begin);
    if (end == std::string::npos) end = bytes.size();
    const std::string part = begin < bytes.size() ? bytes.substr(begin, end - begin) : "";
    const auto path = input_file(reinterpret_cast<const uint8_t*>(part.data()), part.size(), names[i]);
    if (part.empty()) std::filesystem::remove(path);
    dir = std::filesystem::path(path).parent_path().string();
    begin = end + 1;
  }
  return dir;
}

// Runs `read`; an exception is the reader's answer to bad input. Anything
// that is no std::exception escapes and libFuzzer reports it.
template <typename Read>
void expect_no_crash(Read&& read) {
  try {
    read();
  } catch (const std::exception&) {
  }
}

}  // namespace anvil::fuzz
