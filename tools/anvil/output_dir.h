#pragma once
// A command's output directory (export-hf, import-hf, merge-lora), written whole
// or not at all. OUT_DIR must not exist yet or be empty, so that no earlier
// output (or the source checkpoint itself) is overwritten. The command writes
// into a temporary sibling (a common::StagedDirectory), which commit() moves
// to OUT_DIR; a command that fails before commit() leaves nothing behind.
#include <filesystem>
#include <string>

#include "common/staged_directory.h"

namespace anvil::cli {

class StagedOutputDir {
 public:
  // Throws naming `out_dir` when it is a file or a non-empty directory.
  explicit StagedOutputDir(const std::string& out_dir);

  // Where the command writes until commit().
  const std::filesystem::path& path() const { return staged_.path(); }
  void commit() { staged_.commit(); }

 private:
  common::StagedDirectory staged_;
};

}  // namespace anvil::cli
