#pragma once
// A file opened for writing whose every write is checked: a failure (a full
// disk, an I/O error) throws std::system_error naming the path and the OS
// error, instead of the silent failbit of an unchecked std::ofstream. Writes
// are buffered; flush() hands them to the kernel.
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace anvil::common {

// Throws std::system_error "<what> '<path>': <strerror(error)>".
[[noreturn]] void throw_file_error(const std::string& what, const std::filesystem::path& path, int error);

// fsync of a file or a directory (a directory's entries, after a rename).
void sync_path(const std::filesystem::path& path);

class OutputFile {
 public:
  enum class Mode { kTruncate, kAppend };

  explicit OutputFile(std::filesystem::path path, Mode mode = Mode::kTruncate);
  ~OutputFile();  // closes without checking: call close() to see its errors
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;

  void write(const void* data, size_t bytes);
  void write(std::string_view text) { write(text.data(), text.size()); }
  // Overwrites bytes already written (a header whose counts are known last).
  void write_at(uint64_t offset, const void* data, size_t bytes);
  void flush();
  void sync();  // flush, then fsync: the bytes are on disk
  void close();
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
  int fd_ = -1;
  std::vector<char> buffer_;
};

}  // namespace anvil::common
