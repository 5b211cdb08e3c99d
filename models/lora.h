#pragma once
// LoRA on a whole model: adapters on the chosen linear layers, and folding
// trained adapters back into the base weights.
#include <string>
#include <vector>

#include <torch/nn/module.h>

#include "models/safetensors.h"

namespace anvil::models {

struct LoraConfig {
  int64_t rank = 8;
  double alpha = 16.0;
  double dropout = 0.0;
  // Layer names within a block: attn.qkv, attn.proj, mlp.fc, mlp.gate, mlp.up, mlp.proj.
  std::vector<std::string> targets = {"attn.qkv", "attn.proj"};
  double scale() const { return alpha / static_cast<double>(rank); }
};

// Adds an adapter to every layer of every block named in config.targets and
// returns how many it adapted. Throws naming a target no layer matches.
int64_t add_lora(torch::nn::Module& model, const LoraConfig& config);

bool is_lora_tensor(const std::string& name);

// `state` with each adapter folded into its layer (W += scale · B·A) and the
// adapter tensors left out: the weights of the same model without LoRA.
TensorMap merge_lora(const TensorMap& state, double scale);

}  // namespace anvil::models
