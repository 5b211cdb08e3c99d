#pragma once
// How this process was launched, read from the variables torchrun sets:
// RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT. None of them set
// means a single process; anything malformed or inconsistent is an error
// naming the variable.
#include <functional>
#include <string>

namespace anvil::training {

struct LaunchEnv {
  int rank = 0;
  int world_size = 1;
  int local_rank = 0;  // which of this machine's GPUs the rank uses
  std::string master_addr;
  int master_port = 0;
  // torchrun's agent (or anvil train --nproc) hosts the rendezvous store, so
  // rank 0 joins it as a client instead of serving it.
  bool agent_store = false;

  bool distributed() const { return world_size > 1; }
};

// `lookup` returns a variable's value, or null when it is unset.
LaunchEnv parse_launch_env(const std::function<const char*(const char*)>& lookup);
LaunchEnv launch_env_from_environment();

}  // namespace anvil::training
