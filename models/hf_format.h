#pragma once
// Hugging Face checkpoints (config.json + model.safetensors) of
// GPT2LMHeadModel and LlamaForCausalLM, to and from GPTConfig and anvil's
// parameter names and layout.
#include <string>

#include "models/gpt_config.h"
#include "models/safetensors.h"

namespace anvil::models {

struct HfModel {
  std::string model_type;  // config.json's: "gpt2" or "llama"
  GPTConfig config;        // vocab_size: the embedding's rows (vocab_multiple 1)
  TensorMap state;         // anvil parameter names
};

// Reads DIR/config.json and DIR/model.safetensors (or the shards that
// model.safetensors.index.json lists), checking config.json against every
// tensor: an unsupported option, a missing, misshapen or left-over tensor is
// an error naming the file and the tensor.
HfModel import_hf(const std::string& dir);

// Writes DIR/config.json and DIR/model.safetensors that transformers loads
// unchanged. GPT-2 style models (LayerNorm, GELU, learned positions) become
// GPT2LMHeadModel, Llama style ones (RMSNorm, SwiGLU, RoPE, no biases)
// LlamaForCausalLM; other mixtures are an error. The vocabulary is the token
// embedding's rows, padding included (config's vocab_size is not read):
// Hugging Face's classes have no padding rows.
void export_hf(const GPTConfig& config, const TensorMap& state, const std::string& dir);

}  // namespace anvil::models
