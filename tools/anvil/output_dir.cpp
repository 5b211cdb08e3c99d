#include "tools/anvil/output_dir.h"

#include <unistd.h>

#include <stdexcept>

namespace anvil::cli {
namespace fs = std::filesystem;

StagedOutputDir::StagedOutputDir(const std::string& out_dir) {
  final_ = fs::absolute(out_dir).lexically_normal();
  if (final_.filename().empty()) final_ = final_.parent_path();  // "out/" names "out"
  if (fs::exists(final_) && !(fs::is_directory(final_) && fs::is_empty(final_)))
    throw std::runtime_error("output directory '" + out_dir +
                             "' already exists and is not empty: name a new directory (nothing is overwritten)");
  // A sibling, so that the final rename stays on one filesystem.
  staging_ = final_.parent_path() / (".tmp-" + final_.filename().string() + "-" + std::to_string(::getpid()));
  fs::remove_all(staging_);
  fs::create_directories(staging_);
}

StagedOutputDir::~StagedOutputDir() {
  std::error_code ignored;  // a destructor must not throw; a leftover sibling is harmless
  if (!committed_) fs::remove_all(staging_, ignored);
}

void StagedOutputDir::commit() {
  if (fs::exists(final_)) fs::remove(final_);  // checked empty above; rename cannot replace a directory portably
  fs::rename(staging_, final_);
  committed_ = true;
}

}  // namespace anvil::cli
