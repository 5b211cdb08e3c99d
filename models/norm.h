#pragma once
// The normalisation in front of each sublayer: LayerNorm (GPT-2, bias
// optional) or RMSNorm (Llama: no centring, no bias).
#include <utility>

#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

#include "models/gpt_config.h"

namespace anvil::models {

struct NormImpl : torch::nn::Module {
  NormImpl(int64_t dim, const GPTConfig& config);
  torch::Tensor forward(const torch::Tensor& x);
  // s = x + delta and norm(s), as {s, norm(s)}; `fused`: one kernels::add_norm.
  // An undefined delta adds nothing.
  std::pair<torch::Tensor, torch::Tensor> add_then_forward(const torch::Tensor& x, const torch::Tensor& delta,
                                                          bool fused);

  NormKind kind;
  double eps;
  torch::Tensor weight;
  torch::Tensor bias;  // LayerNorm with config.bias only
};
TORCH_MODULE(Norm);

}  // namespace anvil::models
