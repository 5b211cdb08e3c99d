#pragma once
// The config's model section that describes a model: how an imported model
// (models/hf_format.h) becomes the model section of its config.yaml. The
// opposite direction is gpt_config (recipes/runtime.h).
#include "models/gpt_config.h"
#include "recipes/run_config.h"

namespace anvil::recipes {

// Every architecture key of `config`; the vocabulary, the task's head and the
// run's choices (fused_ops) are not model-section keys. preset and init_from stay empty.
ModelSection model_section(const models::GPTConfig& config);

}  // namespace anvil::recipes
