#pragma once
#include <torch/nn/module.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/dropout.h>

#include "models/gpt_config.h"

namespace anvil::models {

// Position-wise feed-forward: Linear(C, 4C) -> GELU -> Linear(4C, C) -> dropout.
struct MLPImpl : torch::nn::Module {
  explicit MLPImpl(const GPTConfig& config);
  torch::Tensor forward(const torch::Tensor& x);

  torch::nn::Linear fc{nullptr};
  torch::nn::Linear proj{nullptr};
  torch::nn::Dropout dropout{nullptr};
};
TORCH_MODULE(MLP);

}  // namespace anvil::models
