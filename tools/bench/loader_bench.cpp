// Times the training data path alone: batches assembled from the config's
// data (its task's: memory-mapped shards, text or examples) with its packing,
// through the loader `anvil train` builds (recipes/training_parts.h), and
// prints one JSON line. Compare ms_per_batch with
// train_step_bench's ms_per_step: the loader must be far faster than a step.
//   loader_bench CONFIG [--batches N] [key.path=value ...]
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "data/batch_loader.h"
#include "recipes/config_loader.h"
#include "recipes/run_data.h"
#include "recipes/training_parts.h"

using namespace anvil;

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: loader_bench CONFIG [--batches N] [key.path=value ...]\n");
    return 2;
  }
  int64_t batches = 2000;
  std::vector<std::string> overrides;
  for (int i = 2; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--batches" && i + 1 < argc) batches = std::stoll(argv[++i]);
    else overrides.push_back(a);
  }
  try {
    const auto config = recipes::load_config(argv[1], overrides).config;
    auto start = Clock::now();
    const auto data = recipes::load_run_data(config);
    const double open_seconds = seconds_since(start);
    // No prefetch: the time to assemble a batch, paid on the calling thread.
    const auto loader = recipes::build_loader(config, data, {}, {}, /*prefetch=*/0);
    int64_t checksum = 0;
    start = Clock::now();
    for (int64_t i = 0; i < batches; ++i) checksum += loader->next().batch.targets[0][0].item<int64_t>();
    const double seconds = seconds_since(start);
    std::printf("{\"data\": \"%s\", \"batch\": [%lld, %lld], \"packing\": \"%s\", \"open_s\": %.3f, "
                "\"ms_per_batch\": %.4f, \"batches_per_sec\": %.0f, \"tokens_per_sec\": %.0f, \"checksum\": %lld}\n",
                data.description.c_str(), (long long)config.train.batch_size, (long long)config.model.block_size,
                config.data.packing.c_str(), open_seconds, 1e3 * seconds / static_cast<double>(batches),
                static_cast<double>(batches) / seconds,
                static_cast<double>(batches * config.train.batch_size * config.model.block_size) / seconds,
                static_cast<long long>(checksum));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "loader_bench: %s\n", e.what());
    return 1;
  }
  return 0;
}
