#pragma once
// The parts of `anvil train`'s step as a config describes them, assembled in
// one place for the run and for the benchmarks that time them.
#include <memory>

#include <c10/core/Device.h>

#include "data/batch_loader.h"
#include "models/gpt.h"
#include "recipes/run_config.h"
#include "recipes/run_data.h"
#include "training/sharded_adamw.h"
#include "training/train_step.h"

namespace anvil::recipes {

training::AdamWOptions adamw_options(const OptimSection& optim);

// AdamW over the model's trainable parameters (recipes/model_builder.h), its
// state sharded over the ranks with dist.shard_optimizer.
std::unique_ptr<training::ShardedAdamW> build_optimizer(const RunConfig& config, models::GPT& model,
                                                        training::Communicator& comm);

// train.*, optim.grad_clip, run.precision and run.cuda_graphs for a run of
// `world_size` ranks on `device` (an error when run.cuda_graphs is on where
// the step cannot be recorded). No class weights: those come with the data.
training::StepOptions step_options(const RunConfig& config, c10::Device device, int world_size);

// The loader of the training batches: train.batch_size rows of the data's
// sources drawn by weight from run.seed, continuing at `cursor`; `part` is
// this rank's share of each batch. `prefetch` batches are assembled ahead.
std::unique_ptr<data::BatchLoader> build_loader(const RunConfig& config, const RunData& data,
                                                const data::MixtureCursor& cursor, data::BatchPart part,
                                                int64_t prefetch);

}  // namespace anvil::recipes
