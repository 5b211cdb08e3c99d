#pragma once
// A fresh directory per test, removed afterwards, and a helper to write files into it.
#include <filesystem>
#include <fstream>
#include <random>
#include <stdexcept>
#include <string>

namespace anvil::test_support {

class TempDir {
 public:
  TempDir() {
    std::random_device rd;
    path_ = std::filesystem::temp_directory_path() / ("anvil-test-" + std::to_string(rd()) + std::to_string(rd()));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  std::string path(const std::string& name = "") const { return (path_ / name).string(); }

  std::string write(const std::string& name, const std::string& contents) const {
    const auto file = path_ / name;
    std::filesystem::create_directories(file.parent_path());
    std::ofstream(file, std::ios::binary) << contents;
    return file.string();
  }

 private:
  std::filesystem::path path_;
};

// Tiny Shakespeare in the data folder that ctest passes as ANVIL_DATA.
inline std::string shakespeare_path() {
  const char* env = std::getenv("ANVIL_DATA");
  if (!env || !*env) throw std::runtime_error("ANVIL_DATA is not set: run the tests through ctest");
  return std::string(env) + "/tinyshakespeare.txt";
}

}  // namespace anvil::test_support
