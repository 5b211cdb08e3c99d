#pragma once
// Process-wide compute settings taken from the config.
#include <string>

#include <c10/core/Device.h>

#include "models/gpt_config.h"
#include "recipes/run_config.h"

namespace anvil::recipes {

// "auto" picks CUDA when a GPU is visible; "cuda" without one is an error.
// `local_rank`: which of the machine's GPUs a data-parallel rank uses.
c10::Device select_device(const std::string& name, int local_rank = 0);

// LibTorch uses one intra-op thread by default in some builds; 0 means all cores.
void configure_threads(int64_t threads);

// run.fused_kernels for a device. "on" where this build lacks the kernels is an error.
bool use_fused_kernels(const std::string& setting, c10::Device device);

// run.cuda_graphs for this run on `device` with `world_size` ranks. "on"
// where the step cannot be recorded is an error saying why; "auto" records
// language-model steps (whose packed batches keep one shape) where it can.
bool use_cuda_graphs(const RunConfig& config, c10::Device device, int world_size);

// train.batch_size counts sequences over all ranks: each takes an equal share,
// or the run is refused (a ConfigError naming the key).
void require_even_batch_split(const RunConfig& config, int world_size);

models::GPTConfig gpt_config(const ModelSection& model, int64_t vocab_size);

}  // namespace anvil::recipes
