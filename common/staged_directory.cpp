#include "common/staged_directory.h"

#include "common/output_file.h"

namespace anvil::common {
namespace fs = std::filesystem;
namespace {

// "out/" names "out".
fs::path without_trailing_slash(const fs::path& path) {
  const fs::path normal = path.lexically_normal();
  return normal.has_filename() ? normal : normal.parent_path();
}

}  // namespace

StagedDirectory::StagedDirectory(const fs::path& target) : target_(without_trailing_slash(target)) {
  staging_ = target_.parent_path() / (".tmp-" + target_.filename().string());
  fs::remove_all(staging_);
  fs::create_directories(staging_);
}

StagedDirectory::~StagedDirectory() {
  std::error_code ignored;  // a destructor must not throw; a leftover sibling is cleared by the next one
  if (!committed_) fs::remove_all(staging_, ignored);
}

void StagedDirectory::commit() {
  for (const auto& entry : fs::recursive_directory_iterator(staging_))
    if (entry.is_regular_file() || entry.is_directory()) sync_path(entry.path());
  sync_path(staging_);
  fs::remove_all(target_);  // rename cannot replace a non-empty directory
  fs::rename(staging_, target_);
  committed_ = true;
  sync_path(target_.has_parent_path() ? target_.parent_path() : fs::path("."));
}

}  // namespace anvil::common
