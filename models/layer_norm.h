#pragma once
// LayerNorm whose bias is optional (GPT-2 has one; bias-free variants train as
// well and a little faster).
#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

namespace anvil::models {

struct LayerNormImpl : torch::nn::Module {
  LayerNormImpl(int64_t dim, bool bias);
  torch::Tensor forward(const torch::Tensor& x);

  torch::Tensor weight;
  torch::Tensor bias;  // undefined when disabled
};
TORCH_MODULE(LayerNorm);

}  // namespace anvil::models
