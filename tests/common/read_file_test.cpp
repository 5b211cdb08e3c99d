#include "common/read_file.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>
#include <system_error>

#include "tests/support/temp_dir.h"

namespace anvil::common {
namespace {

using ::testing::HasSubstr;

std::error_code code_of(const std::function<void()>& read) {
  try {
    read();
  } catch (const std::system_error& e) {
    return e.code();
  }
  return {};
}

TEST(ReadFile, ReadsTheWholeFile) {
  test_support::TempDir dir;
  const std::string text(200000, 'a');
  EXPECT_EQ(read_file(dir.write("f", text)), text);
  EXPECT_EQ(read_file(dir.write("empty", "")), "");
}

TEST(ReadFile, TellsAMissingFileFromADirectory) {
  test_support::TempDir dir;
  EXPECT_EQ(code_of([&] { read_file(dir.path("missing")); }), std::errc::no_such_file_or_directory);
  EXPECT_EQ(code_of([&] { read_file(dir.path()); }), std::errc::is_a_directory);
  EXPECT_EQ(code_of([&] { check_readable(dir.path("missing")); }), std::errc::no_such_file_or_directory);
  EXPECT_EQ(code_of([&] { check_readable(dir.path()); }), std::errc::is_a_directory);
  EXPECT_EQ(code_of([&] { check_readable(dir.write("f", "x")); }), std::error_code{});
}

TEST(ReadFile, TheErrorNamesThePath) {
  try {
    read_file("/nonexistent/trainer_state.json");
    FAIL();
  } catch (const std::system_error& e) {
    EXPECT_THAT(e.what(), HasSubstr("cannot open '/nonexistent/trainer_state.json': No such file or directory"));
  }
}

}  // namespace
}  // namespace anvil::common
