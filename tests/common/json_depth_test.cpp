#include "common/json_depth.h"

#include <string>

#include <gtest/gtest.h>

namespace anvil::common {
namespace {

TEST(JsonDepth, CountsArraysAndObjectsButNotBracketsInStrings) {
  EXPECT_EQ(json_depth("3"), 0u);
  EXPECT_EQ(json_depth(R"({"a": [1, {"b": []}]})"), 4u);
  EXPECT_EQ(json_depth(R"(["[[[", "\"[{"])"), 1u);
  EXPECT_EQ(json_depth("[[]][[[]]]"), 3u);
  EXPECT_EQ(json_depth(std::string(100000, '[')), 100000u);  // unclosed: the parser reports that, not this
}

}  // namespace
}  // namespace anvil::common
