#include "common/output_file.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <system_error>

#include "common/read_file.h"
#include "tests/support/temp_dir.h"

namespace anvil::common {
namespace {

using ::testing::HasSubstr;

TEST(OutputFile, WritesBuffersAndOverwritesAHeader) {
  test_support::TempDir dir;
  OutputFile file(dir.path("f.bin"));
  file.write("....body");
  file.write(std::string(3 << 20, 'x'));  // larger than the buffer: written through
  file.write_at(0, "head", 4);
  file.close();
  EXPECT_EQ(read_file(dir.path("f.bin")), "head" + std::string("body") + std::string(3 << 20, 'x'));
}

TEST(OutputFile, AppendKeepsWhatWasThere) {
  test_support::TempDir dir;
  const auto path = dir.write("log", "one\n");
  OutputFile file(path, OutputFile::Mode::kAppend);
  file.write("two\n");
  file.close();
  EXPECT_EQ(read_file(path), "one\ntwo\n");
}

// /dev/full accepts the open and fails every write with ENOSPC.
TEST(OutputFile, AFullDiskThrowsNamingThePathAndTheError) {
  OutputFile file("/dev/full");
  file.write("bytes");
  try {
    file.flush();
    FAIL() << "a write to /dev/full succeeded";
  } catch (const std::system_error& e) {
    EXPECT_EQ(e.code(), std::errc::no_space_on_device);
    EXPECT_THAT(e.what(), HasSubstr("cannot write '/dev/full'"));
    EXPECT_THAT(e.what(), HasSubstr("No space left on device"));
  }
}

TEST(OutputFile, AMissingDirectoryThrowsNamingThePath) {
  test_support::TempDir dir;
  try {
    OutputFile file(dir.path("no/such/dir/f"));
    FAIL() << "created a file in a missing directory";
  } catch (const std::system_error& e) {
    EXPECT_EQ(e.code(), std::errc::no_such_file_or_directory);
    EXPECT_THAT(e.what(), HasSubstr("cannot create '" + dir.path("no/such/dir/f") + "'"));
  }
}

}  // namespace
}  // namespace anvil::common
