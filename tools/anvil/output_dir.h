#pragma once
// A command's output directory (export-hf, import-hf, merge-lora), written whole
// or not at all. OUT_DIR must not exist yet or be empty, so that no earlier
// output (or the source checkpoint itself) is overwritten. The command writes
// into a temporary sibling, which commit() renames to OUT_DIR; a command that
// fails before commit() leaves nothing behind.
#include <filesystem>
#include <string>

namespace anvil::cli {

class StagedOutputDir {
 public:
  // Throws naming `out_dir` when it is a file or a non-empty directory.
  explicit StagedOutputDir(const std::string& out_dir);
  ~StagedOutputDir();
  StagedOutputDir(const StagedOutputDir&) = delete;
  StagedOutputDir& operator=(const StagedOutputDir&) = delete;

  // Where the command writes until commit().
  const std::filesystem::path& path() const { return staging_; }
  void commit();

 private:
  std::filesystem::path final_;
  std::filesystem::path staging_;
  bool committed_ = false;
};

}  // namespace anvil::cli
