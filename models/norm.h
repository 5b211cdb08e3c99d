#pragma once
// The normalisation in front of each sublayer: LayerNorm (GPT-2, bias
// optional) or RMSNorm (Llama: no centring, no bias).
#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

#include "models/gpt_config.h"

namespace anvil::models {

struct NormImpl : torch::nn::Module {
  NormImpl(int64_t dim, const GPTConfig& config);
  torch::Tensor forward(const torch::Tensor& x);

  NormKind kind;
  double eps;
  torch::Tensor weight;
  torch::Tensor bias;  // LayerNorm with config.bias only
};
TORCH_MODULE(Norm);

}  // namespace anvil::models
