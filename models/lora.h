#pragma once
// LoRA on a whole model: adapters on the chosen linear layers, and folding
// trained adapters back into the base weights.
#include <string>
#include <utility>
#include <vector>

#include <torch/nn/module.h>

#include "models/safetensors.h"

namespace anvil::models {

struct LinearImpl;

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

// While it lives, every adapter of `model` is switched off (its scale is 0):
// the model computes what its base weights alone compute, as DPO's reference
// without a second copy of the model.
class AdaptersOff {
 public:
  explicit AdaptersOff(torch::nn::Module& model);
  ~AdaptersOff();
  AdaptersOff(const AdaptersOff&) = delete;
  AdaptersOff& operator=(const AdaptersOff&) = delete;

 private:
  std::vector<std::pair<LinearImpl*, double>> saved_;  // each adapted layer and its scale
};

// `state` with each adapter folded into its layer (W += scale · B·A) and the
// adapter tensors left out: the weights of the same model without LoRA.
TensorMap merge_lora(const TensorMap& state, double scale);

}  // namespace anvil::models
