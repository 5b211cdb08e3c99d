#pragma once
#include <torch/nn/module.h>
#include <torch/nn/modules/dropout.h>
#include <torch/nn/modules/linear.h>

#include "models/gpt_config.h"

namespace anvil::models {

// Position-wise feed-forward, then dropout:
//   GELU:   proj(gelu(fc(x)))             (GPT-2; exact or tanh-approximated)
//   SwiGLU: proj(silu(gate(x)) * up(x))   (Llama)
struct MLPImpl : torch::nn::Module {
  explicit MLPImpl(const GPTConfig& config);
  torch::Tensor forward(const torch::Tensor& x);

  bool tanh_gelu = false;
  torch::nn::Linear fc{nullptr};    // GELU only
  torch::nn::Linear gate{nullptr};  // SwiGLU only
  torch::nn::Linear up{nullptr};    // SwiGLU only
  torch::nn::Linear proj{nullptr};
  torch::nn::Dropout dropout{nullptr};
};
TORCH_MODULE(MLP);

}  // namespace anvil::models
