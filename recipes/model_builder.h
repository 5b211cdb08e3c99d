#pragma once
// The model a config describes, in the state training or evaluation starts
// from: the architecture (with a classification head for task classify),
// model.init_from's weights, and LoRA adapters with everything else frozen.
#include <string>
#include <vector>

#include <c10/core/Device.h>

#include "models/gpt.h"
#include "models/safetensors.h"
#include "recipes/checkpoint_config.h"
#include "recipes/run_config.h"

namespace anvil::recipes {

struct ModelBuildOptions {
  // A checkpoint's weights follow, so model.init_from is read only when the
  // checkpoint lacks the base (LoRA).
  bool restoring = false;
  // Draw the initial weights. Off where every weight is loaded after (eval,
  // generate), which saves drawing a billion random numbers for nothing.
  bool random_init = true;
  // The weights' dtype: bf16 for a model that only runs in bf16, which then
  // holds no fp32 copy at any point of loading.
  c10::ScalarType dtype = c10::ScalarType::Float;
};

// `num_classes` > 0 adds a classification head. Weights from model.init_from
// may lack the head and adapters (they start fresh); any other mismatch is an
// error naming the tensor.
models::GPT build_model(const RunConfig& config, int64_t vocab_size, int64_t num_classes, c10::Device device,
                        const ModelBuildOptions& options = {});

// Parameters the optimizer updates: all of them, or with LoRA only the
// adapters and the classification head.
std::vector<torch::Tensor> trainable_parameters(models::GPT& model);

// The tensors a checkpoint holds: the whole model, or with LoRA only what
// trains (the base stays in model.init_from).
models::TensorMap checkpoint_state(models::GPT& model, const RunConfig& config);

// Loads a checkpoint written by this config's runs into a model from build_model.
// A config whose model or lora section differs from the checkpoint's saved one
// (as `use` compares them) is a CheckpointConfigMismatch.
void load_checkpoint_weights(const std::string& checkpoint_dir, models::GPT& model, const RunConfig& config,
                             CheckpointUse use = CheckpointUse::kSameModel);

}  // namespace anvil::recipes
