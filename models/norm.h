#pragma once
// The normalisation in front of each sublayer: LayerNorm (GPT-2, bias
// optional), RMSNorm (Llama: no centring, no bias) or Gemma's RMSNorm, whose
// weight is stored as its offset from 1 and scales by (1 + weight).
#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

#include "models/gpt_config.h"

namespace anvil::models {

struct NormImpl : torch::nn::Module {
  NormImpl(int64_t dim, const GPTConfig& config);
  torch::Tensor forward(const torch::Tensor& x);
  // What the normalised input is multiplied by: the weight, or 1 + weight for Gemma.
  torch::Tensor scale() const;

  NormKind kind;
  double eps;
  torch::Tensor weight;
  torch::Tensor bias;  // LayerNorm with config.bias only
};
TORCH_MODULE(Norm);

}  // namespace anvil::models
