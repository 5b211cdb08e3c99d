#pragma once
#include <torch/nn/module.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/dropout.h>

#include "models/gpt_config.h"

namespace anvil::models {

// Multi-head self-attention where position t sees positions <= t, through
// scaled_dot_product_attention (flash / memory-efficient kernels where available).
struct CausalSelfAttentionImpl : torch::nn::Module {
  explicit CausalSelfAttentionImpl(const GPTConfig& config);
  // [B, T, C] -> [B, T, C]. With `keys`/`values` (one layer's cache, and
  // `past` positions already in it) the new tokens also attend to the cached
  // ones, and their keys and values are appended at [past, past + T).
  torch::Tensor forward(const torch::Tensor& x, torch::Tensor* keys = nullptr, torch::Tensor* values = nullptr,
                        int64_t past = 0);

  int64_t n_head;
  double dropout;
  torch::nn::Linear qkv{nullptr};   // the three projections fused into one matmul
  torch::nn::Linear proj{nullptr};  // output projection back onto the residual stream
  torch::nn::Dropout resid_dropout{nullptr};
};
TORCH_MODULE(CausalSelfAttention);

}  // namespace anvil::models
