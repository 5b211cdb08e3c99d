#pragma once
#include <torch/nn/module.h>
#include <torch/nn/modules/dropout.h>

#include "models/gpt_config.h"
#include "models/linear.h"
#include "models/rotary.h"

namespace anvil::models {

// What one layer's attention needs besides its input: rotary tables, the
// layer's KV cache with the number of positions already in it, and for packed
// documents each token's position and which tokens it may attend to.
struct AttentionContext {
  const RotaryTables* rotary = nullptr;
  torch::Tensor* keys = nullptr;    // [B, kv_heads, capacity, head_dim]
  torch::Tensor* values = nullptr;
  int64_t past = 0;
  const torch::Tensor* positions = nullptr;  // int64 [B, T]; null: past + t
  const torch::Tensor* mask = nullptr;       // bool [B, 1, T, T], true where attention is allowed; null: causal
};

// Multi-head self-attention where position t sees positions <= t, through
// scaled_dot_product_attention (flash / memory-efficient kernels where
// available). With n_kv_head < n_head, groups of query heads share a key/value
// head (grouped-query attention), and the cache holds only the shared heads.
struct CausalSelfAttentionImpl : torch::nn::Module {
  explicit CausalSelfAttentionImpl(const GPTConfig& config);
  // [B, T, C] -> [B, T, C]. With a cache the new tokens also attend to the
  // cached ones, and their keys and values are stored at [past, past + T).
  torch::Tensor forward(const torch::Tensor& x, const AttentionContext& context = {});

  int64_t n_head, n_kv_head;
  double dropout;
  Linear qkv{nullptr};   // the three projections fused into one matmul
  Linear proj{nullptr};  // output projection back onto the residual stream
  torch::nn::Dropout resid_dropout{nullptr};
};
TORCH_MODULE(CausalSelfAttention);

}  // namespace anvil::models
