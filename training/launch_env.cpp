#include "training/launch_env.h"

#include <cstdlib>
#include <stdexcept>

namespace anvil::training {
namespace {

const char* const kHowToLaunch = " (launch with torchrun, or anvil train --nproc N)";

int integer_variable(const char* name, const char* value, long min, long max) {
  char* end = nullptr;
  const long v = std::strtol(value, &end, 10);
  if (*value == '\0' || *end != '\0' || v < min || v > max)
    throw std::runtime_error(std::string("environment variable ") + name + "='" + value + "': expected an integer in [" +
                             std::to_string(min) + ", " + std::to_string(max) + "]");
  return static_cast<int>(v);
}

}  // namespace

LaunchEnv parse_launch_env(const std::function<const char*(const char*)>& lookup) {
  LaunchEnv env;
  const char* world = lookup("WORLD_SIZE");
  const char* rank = lookup("RANK");
  if (!world && !rank) return env;
  if (!world || !rank)
    throw std::runtime_error(std::string(world ? "WORLD_SIZE is set but RANK is not" : "RANK is set but WORLD_SIZE is not") +
                             kHowToLaunch);
  env.world_size = integer_variable("WORLD_SIZE", world, 1, 1 << 20);
  env.rank = integer_variable("RANK", rank, 0, env.world_size - 1);
  // Without LOCAL_RANK, assume one machine: the local rank is the rank.
  const char* local = lookup("LOCAL_RANK");
  env.local_rank = local ? integer_variable("LOCAL_RANK", local, 0, env.world_size - 1) : env.rank;
  if (!env.distributed()) return env;
  const char* addr = lookup("MASTER_ADDR");
  const char* port = lookup("MASTER_PORT");
  if (!addr || !*addr) throw std::runtime_error(std::string("MASTER_ADDR is not set") + kHowToLaunch);
  if (!port) throw std::runtime_error(std::string("MASTER_PORT is not set") + kHowToLaunch);
  env.master_addr = addr;
  env.master_port = integer_variable("MASTER_PORT", port, 1, 65535);
  const char* agent = lookup("TORCHELASTIC_USE_AGENT_STORE");
  env.agent_store = agent && std::string(agent) == "True";
  return env;
}

LaunchEnv launch_env_from_environment() {
  return parse_launch_env([](const char* name) { return std::getenv(name); });
}

}  // namespace anvil::training
