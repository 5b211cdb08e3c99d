#include <gtest/gtest.h>

#include <map>

#include "tests/support/error_of.h"
#include "training/launch_env.h"

using anvil::training::LaunchEnv;
using anvil::training::parse_launch_env;

namespace {

LaunchEnv parse(const std::map<std::string, std::string>& vars) {
  return parse_launch_env([&](const char* name) {
    const auto it = vars.find(name);
    return it == vars.end() ? nullptr : it->second.c_str();
  });
}

std::string error_parsing(const std::map<std::string, std::string>& vars) {
  return anvil::test_support::error_of([&] { parse(vars); });
}

}  // namespace

TEST(LaunchEnv, NoVariablesMeanOneProcess) {
  const LaunchEnv env = parse({});
  EXPECT_FALSE(env.distributed());
  EXPECT_EQ(env.rank, 0);
}

TEST(LaunchEnv, ReadsTorchrunsVariables) {
  const LaunchEnv env = parse({{"RANK", "3"}, {"WORLD_SIZE", "4"}, {"LOCAL_RANK", "1"}, {"MASTER_ADDR", "node7"},
                               {"MASTER_PORT", "29400"}, {"TORCHELASTIC_USE_AGENT_STORE", "True"}});
  EXPECT_TRUE(env.distributed());
  EXPECT_EQ(env.rank, 3);
  EXPECT_EQ(env.world_size, 4);
  EXPECT_EQ(env.local_rank, 1);
  EXPECT_EQ(env.master_addr, "node7");
  EXPECT_EQ(env.master_port, 29400);
  EXPECT_TRUE(env.agent_store);
  // Without LOCAL_RANK, one machine is assumed.
  EXPECT_EQ(parse({{"RANK", "1"}, {"WORLD_SIZE", "2"}, {"MASTER_ADDR", "h"}, {"MASTER_PORT", "1"}}).local_rank, 1);
}

TEST(LaunchEnv, BadVariablesNameTheVariableAndWhatWasExpected) {
  const std::map<std::string, std::string> good = {
      {"RANK", "0"}, {"WORLD_SIZE", "2"}, {"MASTER_ADDR", "127.0.0.1"}, {"MASTER_PORT", "29500"}};
  auto with = [&](const std::string& name, const std::string& value) {
    auto vars = good;
    vars[name] = value;
    return error_parsing(vars);
  };
  auto without = [&](const std::string& name) {
    auto vars = good;
    vars.erase(name);
    return error_parsing(vars);
  };
  EXPECT_EQ(with("RANK", "2"), "environment variable RANK='2': expected an integer in [0, 1]");
  EXPECT_EQ(with("WORLD_SIZE", "two"), "environment variable WORLD_SIZE='two': expected an integer in [1, 1048576]");
  EXPECT_EQ(with("MASTER_PORT", "70000"), "environment variable MASTER_PORT='70000': expected an integer in [1, 65535]");
  EXPECT_EQ(with("LOCAL_RANK", "-1"), "environment variable LOCAL_RANK='-1': expected an integer in [0, 1]");
  EXPECT_NE(without("RANK").find("WORLD_SIZE is set but RANK is not"), std::string::npos);
  EXPECT_NE(without("MASTER_ADDR").find("MASTER_ADDR is not set"), std::string::npos);
  EXPECT_NE(without("MASTER_PORT").find("MASTER_PORT is not set"), std::string::npos);
}
