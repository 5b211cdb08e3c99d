#include "common/atomic_file.h"

#include <signal.h>
#include <sys/resource.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <system_error>

#include "common/read_file.h"
#include "tests/support/temp_dir.h"

namespace anvil::common {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

// Files of this process fail to grow past `bytes` (EFBIG) while it lives: a
// write that fails part way, as on a full disk, without filling one.
class FileSizeLimit {
 public:
  explicit FileSizeLimit(rlim_t bytes) {
    ::getrlimit(RLIMIT_FSIZE, &saved_);
    previous_handler_ = ::signal(SIGXFSZ, SIG_IGN);  // else the kernel kills the process
    rlimit limit = saved_;
    limit.rlim_cur = bytes;
    ::setrlimit(RLIMIT_FSIZE, &limit);
  }
  ~FileSizeLimit() {
    ::setrlimit(RLIMIT_FSIZE, &saved_);
    ::signal(SIGXFSZ, previous_handler_);
  }

 private:
  rlimit saved_{};
  sighandler_t previous_handler_;
};

std::vector<std::string> names_in(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir)) names.push_back(entry.path().filename().string());
  return names;
}

TEST(PublishFile, WritesTheTargetWholeAndLeavesNoTemporary) {
  test_support::TempDir dir;
  publish_file(dir.path("state.json"), "{\"step\": 1}\n");
  EXPECT_EQ(read_file(dir.path("state.json")), "{\"step\": 1}\n");
  EXPECT_EQ(names_in(dir.path()), std::vector<std::string>{"state.json"});
}

TEST(PublishFile, ReplacesAnExistingTarget) {
  test_support::TempDir dir;
  dir.write("config.yaml", "old, and longer than the new one\n");
  publish_file(dir.path("config.yaml"), "new\n");
  EXPECT_EQ(read_file(dir.path("config.yaml")), "new\n");
}

TEST(PublishFile, AFailingWriteThrowsNamingThePathAndLeavesNoTemporaryAndNoTarget) {
  test_support::TempDir dir;
  const std::string target = dir.path("model.safetensors");
  try {
    const FileSizeLimit limit(4096);
    publish_file(target, std::string(1 << 20, 'w'));
    FAIL() << "a write past the file size limit succeeded";
  } catch (const std::system_error& e) {
    EXPECT_EQ(e.code(), std::errc::file_too_large);
    EXPECT_THAT(e.what(), HasSubstr("cannot write '" + target));
  }
  EXPECT_TRUE(names_in(dir.path()).empty());
}

TEST(PublishFile, AFailingWriteLeavesTheOldTargetAsItWas) {
  test_support::TempDir dir;
  const std::string target = dir.write("metrics.jsonl", "kept\n");
  {
    const FileSizeLimit limit(4096);
    EXPECT_THROW(publish_file(target, std::string(1 << 20, 'w')), std::system_error);
  }
  EXPECT_EQ(read_file(target), "kept\n");
  EXPECT_EQ(names_in(dir.path()), std::vector<std::string>{"metrics.jsonl"});
}

TEST(AtomicFile, NothingAppearsBeforeCommitAndNothingStaysWithoutIt) {
  test_support::TempDir dir;
  const std::string target = dir.path("shard.bin");
  {
    AtomicFile file(target);
    file.write("header..tokens");
    file.write_at(0, "HEADER", 6);
    EXPECT_FALSE(fs::exists(target));
  }
  EXPECT_TRUE(names_in(dir.path()).empty());
  AtomicFile file(target);
  file.write("header..tokens");
  file.write_at(0, "HEADER", 6);
  file.commit();
  EXPECT_EQ(read_file(target), "HEADER..tokens");
}

TEST(AtomicFile, AMissingDirectoryIsNamedNotTheTemporary) {
  test_support::TempDir dir;
  const std::string target = dir.path("plots/loss.png");
  try {
    publish_file(target, "image");
    FAIL() << "wrote into a missing directory";
  } catch (const std::runtime_error& error) {
    EXPECT_THAT(error.what(), HasSubstr("cannot write '" + target + "': the directory '" + dir.path("plots") +
                                        "' does not exist"));
    EXPECT_THAT(error.what(), ::testing::Not(HasSubstr(".tmp")));
  }
  EXPECT_TRUE(names_in(dir.path()).empty());
}

}  // namespace
}  // namespace anvil::common
