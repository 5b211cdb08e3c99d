#include <cstdlib>
#include <filesystem>
#include <stdexcept>

#include "common/stop_signals.h"
#include "tools/anvil/commands.h"
#include "tools/anvil/config_args.h"
#include "tools/anvil/local_launch.h"
#include "training/run_lock.h"
#include "recipes/runtime.h"
#include "recipes/trainer.h"

namespace anvil::cli {
namespace {

// The N of a leading "--nproc N" or "--nproc=N", removed from args; 0 without one.
int take_nproc(Args& args) {
  if (args.empty() || args[0].rfind("--nproc", 0) != 0) return 0;
  std::string value;
  if (args[0].size() > 7 && args[0][7] == '=') {
    value = args[0].substr(8);
    args.erase(args.begin());
  } else if (args[0] == "--nproc" && args.size() > 1) {
    value = args[1];
    args.erase(args.begin(), args.begin() + 2);
  }
  char* end = nullptr;
  const long n = std::strtol(value.c_str(), &end, 10);
  if (value.empty() || *end != '\0' || n < 1 || n > 1024)
    throw recipes::ConfigError("--nproc: expected a number of processes between 1 and 1024");
  return static_cast<int>(n);
}

}  // namespace

int train_command(const Args& given) {
  Args args = given;
  if (wants_help(args)) {
    print_usage_with_keys(
        "usage: anvil train [--nproc N] CONFIG [key.path=value ...]\n"
        "  --nproc N   data-parallel over N local processes (or launch anvil under torchrun)");
    return 0;
  }
  if (const int nproc = take_nproc(args); nproc > 1) {
    if (std::getenv("RANK")) throw std::runtime_error("--nproc inside a launched rank (RANK is set): use one or the other");
    // A bad config, or a run directory another run holds, fails here once,
    // not in every rank.
    const auto config = load_config_args(args).config;
    recipes::require_even_batch_split(config, nproc);
    if (std::filesystem::is_directory(config.run.dir)) training::RunDirectoryLock{config.run.dir};
    return run_local_ranks(nproc, args);
  }
  const auto summary = recipes::train(load_config_args(args).config);
  return summary.preempted ? common::kPreemptedExitStatus : 0;
}

}  // namespace anvil::cli
