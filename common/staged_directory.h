#pragma once
// A directory that appears whole or not at all. It is built in a temporary
// sibling `.tmp-<name>` (a sibling, so the rename stays on one file system);
// commit() fsyncs everything in it and the sibling itself, replaces the target
// with it, and fsyncs the parent. A staging directory destroyed before
// commit() (a write threw) is removed, and the target is left as it was.
#include <filesystem>

namespace anvil::common {

class StagedDirectory {
 public:
  // Clears a sibling a killed process left behind and creates it afresh.
  explicit StagedDirectory(const std::filesystem::path& target);
  ~StagedDirectory();
  StagedDirectory(const StagedDirectory&) = delete;
  StagedDirectory& operator=(const StagedDirectory&) = delete;

  // Where the directory is built until commit().
  const std::filesystem::path& path() const { return staging_; }
  // Replaces the target (and whatever it held) with the staged directory.
  void commit();

 private:
  std::filesystem::path target_;
  std::filesystem::path staging_;
  bool committed_ = false;
};

}  // namespace anvil::common
