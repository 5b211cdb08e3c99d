#pragma once
// Process-wide compute settings taken from the resolved config.
#include <cstdint>

#include <c10/core/Device.h>

#include "recipes/resolved_config.h"

namespace anvil::recipes {

// kAuto picks CUDA when a GPU is visible; kCuda without one is an error.
// `local_rank`: which of the machine's GPUs a data-parallel rank uses.
c10::Device select_device(DeviceChoice choice, int local_rank = 0);

// LibTorch uses one intra-op thread by default in some builds; 0 means all cores.
void configure_threads(int64_t threads);

// train.batch_size counts sequences over all ranks: each takes an equal share,
// or the run is refused (a ConfigError naming the key).
void require_even_batch_split(const RunConfig& config, int world_size);

}  // namespace anvil::recipes
