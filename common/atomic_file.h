#pragma once
// A file that appears whole or not at all. It is written to `<target>.tmp` in
// the same directory; commit() flushes and fsyncs it, renames it over the
// target and fsyncs the directory, so that neither a crash nor a full disk
// leaves a partial target, and the rename cannot reach the disk before the
// data. A writer destroyed before commit() (a write threw) removes its
// temporary and leaves the target as it was.
#include <filesystem>
#include <string_view>

#include "common/output_file.h"

namespace anvil::common {

class AtomicFile {
 public:
  explicit AtomicFile(const std::filesystem::path& target);
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  void write(const void* data, size_t bytes) { temporary_.write(data, bytes); }
  void write(std::string_view text) { temporary_.write(text); }
  void write_at(uint64_t offset, const void* data, size_t bytes) { temporary_.write_at(offset, data, bytes); }
  void commit();

 private:
  std::filesystem::path target_;
  OutputFile temporary_;
  bool committed_ = false;
};

// Writes `contents` to `target` whole or not at all (an AtomicFile).
void publish_file(const std::filesystem::path& target, std::string_view contents);

}  // namespace anvil::common
