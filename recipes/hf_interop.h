#pragma once
// Hugging Face checkpoints (config.json + model.safetensors) of
// GPT2LMHeadModel and LlamaForCausalLM, to and from anvil's names and layout.
#include <string>

#include "models/safetensors.h"
#include "recipes/run_config.h"

namespace anvil::recipes {

struct ImportedModel {
  std::string architecture;  // "gpt2" or "llama"
  ModelSection model;
  models::TensorMap state;   // anvil parameter names
};

// Reads DIR/config.json and DIR/model.safetensors (or the shards that
// model.safetensors.index.json lists). Unsupported options are errors.
ImportedModel import_hf(const std::string& dir);

// Writes DIR/config.json and DIR/model.safetensors that transformers loads
// unchanged. GPT-2 style models (LayerNorm, GELU, learned positions) become
// GPT2LMHeadModel, Llama style ones (RMSNorm, SwiGLU, RoPE, no biases)
// LlamaForCausalLM; other mixtures are an error.
void export_hf(const ModelSection& model, const models::TensorMap& state, const std::string& dir);

}  // namespace anvil::recipes
