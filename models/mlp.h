#pragma once
#include <torch/nn/module.h>
#include <torch/nn/modules/dropout.h>

#include "models/gpt_config.h"
#include "models/linear.h"

namespace anvil::models {

// Position-wise feed-forward, then dropout:
//   GELU:   proj(gelu(fc(x)))             (GPT-2; exact or tanh-approximated)
//   SwiGLU: proj(silu(gate(x)) * up(x))   (Llama)
//   GeGLU:  proj(gelu_tanh(gate(x)) * up(x))   (Gemma)
struct MLPImpl : torch::nn::Module {
  explicit MLPImpl(const GPTConfig& config);
  torch::Tensor forward(const torch::Tensor& x);

  bool tanh_gelu = false;
  bool fused_ops = false;  // fc's bias and the GELU as one kernels::bias_gelu
  Linear fc{nullptr};    // GELU only
  Linear gate{nullptr};  // gated (SwiGLU, GeGLU) only
  Linear up{nullptr};    // gated only
  Linear proj{nullptr};
  torch::nn::Dropout dropout{nullptr};

 private:
  torch::Tensor gelu_of_fc(const torch::Tensor& x);
};
TORCH_MODULE(MLP);

}  // namespace anvil::models
