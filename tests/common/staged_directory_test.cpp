#include "common/staged_directory.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "common/atomic_file.h"
#include "common/read_file.h"
#include "tests/support/temp_dir.h"

namespace anvil::common {
namespace {

namespace fs = std::filesystem;

TEST(StagedDirectory, CommitMovesTheWholeDirectoryIntoPlace) {
  test_support::TempDir dir;
  const fs::path target = dir.path("step_00000010");
  StagedDirectory staged(target);
  EXPECT_EQ(staged.path(), dir.path(".tmp-step_00000010"));
  publish_file(staged.path() / "model.safetensors", "weights");
  fs::create_directories(staged.path() / "nested");
  publish_file(staged.path() / "nested" / "COMPLETE", "");
  EXPECT_FALSE(fs::exists(target));
  staged.commit();
  EXPECT_EQ(read_file(target / "model.safetensors"), "weights");
  EXPECT_TRUE(fs::exists(target / "nested" / "COMPLETE"));
  EXPECT_FALSE(fs::exists(dir.path(".tmp-step_00000010")));
}

TEST(StagedDirectory, CommitReplacesWhatTheTargetHeld) {
  test_support::TempDir dir;
  dir.write("out/stale.bin", "old");
  StagedDirectory staged(dir.path("out/"));  // a trailing slash names the same directory
  publish_file(staged.path() / "fresh.bin", "new");
  staged.commit();
  EXPECT_FALSE(fs::exists(dir.path("out/stale.bin")));
  EXPECT_EQ(read_file(dir.path("out/fresh.bin")), "new");
}

TEST(StagedDirectory, WithoutCommitTheTargetStaysAsItWasAndTheStagingGoes) {
  test_support::TempDir dir;
  dir.write("shards/train-00000.bin", "old");
  try {
    StagedDirectory staged(dir.path("shards"));
    publish_file(staged.path() / "train-00000.bin", "half");
    throw std::runtime_error("a write failed");
  } catch (const std::runtime_error&) {
  }
  EXPECT_EQ(read_file(dir.path("shards/train-00000.bin")), "old");
  EXPECT_FALSE(fs::exists(dir.path(".tmp-shards")));
}

TEST(StagedDirectory, ClearsWhatAKilledProcessLeftInTheStaging) {
  test_support::TempDir dir;
  dir.write(".tmp-out/partial.bin", "half");
  StagedDirectory staged(dir.path("out"));
  EXPECT_TRUE(fs::is_empty(staged.path()));
}

}  // namespace
}  // namespace anvil::common
