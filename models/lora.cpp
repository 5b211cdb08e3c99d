#include "models/lora.h"

#include <stdexcept>

#include "common/strings.h"
#include "models/linear.h"

namespace anvil::models {
using common::ends_with;

int64_t add_lora(torch::nn::Module& model, const LoraConfig& config) {
  if (config.rank < 1) throw std::invalid_argument("LoRA rank must be positive");
  int64_t adapted = 0;
  for (const auto& target : config.targets) {
    int64_t matches = 0;
    for (const auto& item : model.named_modules()) {
      auto* linear = dynamic_cast<LinearImpl*>(item.value().get());
      if (!linear || !ends_with(item.key(), "." + target)) continue;
      if (!linear->has_lora()) linear->add_lora(config.rank, config.alpha, config.dropout);
      ++matches;
    }
    if (matches == 0)
      throw std::invalid_argument("LoRA target '" + target +
                                  "' matches no layer of this model (layers: attn.qkv, attn.proj, and mlp.fc for GELU "
                                  "or mlp.gate and mlp.up for SwiGLU, mlp.proj)");
    adapted += matches;
  }
  return adapted;
}

AdaptersOff::AdaptersOff(torch::nn::Module& model) {
  for (const auto& item : model.modules()) {
    auto* linear = dynamic_cast<LinearImpl*>(item.get());
    if (!linear || !linear->has_lora()) continue;
    saved_.emplace_back(linear, linear->lora_scale);
    linear->lora_scale = 0;
  }
}

AdaptersOff::~AdaptersOff() {
  for (auto& [linear, scale] : saved_) linear->lora_scale = scale;
}

bool is_lora_tensor(const std::string& name) { return ends_with(name, ".lora_a") || ends_with(name, ".lora_b"); }

TensorMap merge_lora(const TensorMap& state, double scale) {
  TensorMap merged;
  for (const auto& [name, tensor] : state)
    if (!is_lora_tensor(name)) merged[name] = tensor.clone();
  for (const auto& [name, a] : state) {
    if (!ends_with(name, ".lora_a")) continue;
    const std::string layer = name.substr(0, name.size() - std::string(".lora_a").size());
    const auto b = state.find(layer + ".lora_b");
    const auto weight = merged.find(layer + ".weight");
    if (b == state.end() || weight == merged.end())
      throw std::runtime_error("LoRA adapter '" + layer + "' lacks lora_b or its base weight");
    weight->second += torch::matmul(b->second.to(torch::kFloat), a.to(torch::kFloat)).to(weight->second.dtype()) * scale;
  }
  return merged;
}

}  // namespace anvil::models
