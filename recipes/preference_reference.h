#pragma once
// The reference model of a DPO run (dpo.reference), as a stage every
// training batch goes through: it fills the batch's reference
// log-probabilities. Validation pairs get theirs once, at the start, as do
// all pairs with `precomputed`.
#include <memory>

#include <c10/core/Device.h>

#include "models/gpt.h"
#include "recipes/run_config.h"
#include "recipes/run_data.h"
#include "recipes/tasks/task.h"

namespace anvil::recipes {

// `policy` is the model being tuned, restored; `resumed`: from this run's
// checkpoint, so that it no longer equals model.init_from. Every rank
// computes a precomputed table itself; the `main_rank` writes it.
std::unique_ptr<BatchStage> open_preference_reference(const RunConfig& config, models::GPT& policy, RunData& data,
                                                      c10::Device device, bool resumed, bool main_rank);

// The held-out pairs' reference log-probabilities for a validation outside a
// training run (anvil eval): from the run directory's table where
// `precomputed` left one, else from dpo.reference's model.
void attach_validation_reference(const RunConfig& config, models::GPT& policy, const RunData& data,
                                 c10::Device device);

}  // namespace anvil::recipes
