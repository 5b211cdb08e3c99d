#pragma once
// A linear layer, y = x·Wᵀ + b, that can carry a LoRA adapter (Hu et al.,
// 2021): y += (alpha / rank) · dropout(x)·Aᵀ·Bᵀ with A [rank, in] and B
// [out, rank]. B starts at zero, so an adapter changes nothing until trained.
// Parameter names match torch::nn::Linear's (weight, bias), plus lora_a and
// lora_b, so checkpoints and the Hugging Face mapping see the usual names.
#include <torch/nn/module.h>
#include <torch/nn/modules/dropout.h>

namespace anvil::models {

struct LinearImpl : torch::nn::Module {
  LinearImpl(int64_t in_features, int64_t out_features, bool bias);
  torch::Tensor forward(const torch::Tensor& x);
  torch::Tensor forward_without_bias(const torch::Tensor& x);  // for a fused op that adds the bias itself

  void add_lora(int64_t rank, double alpha, double dropout);
  bool has_lora() const { return lora_a.defined(); }

  torch::Tensor weight;  // [out, in]
  torch::Tensor bias;    // [out], or undefined
  torch::Tensor lora_a, lora_b;
  double lora_scale = 0.0;
  torch::nn::Dropout lora_dropout{nullptr};

 private:
  torch::Tensor plus_lora(const torch::Tensor& x, torch::Tensor y);
};
TORCH_MODULE(Linear);

}  // namespace anvil::models
