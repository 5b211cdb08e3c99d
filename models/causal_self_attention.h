#pragma once
#include <optional>

#include <torch/nn/module.h>
#include <torch/nn/modules/dropout.h>

#include "models/gpt_config.h"
#include "models/linear.h"
#include "models/norm.h"
#include "models/rotary.h"

namespace anvil::models {

// What one layer's attention needs besides its input: rotary tables, the
// layer's KV cache with the number of positions already in it, and for packed
// documents each token's position and which tokens it may attend to.
struct AttentionContext {
  const RotaryTables* rotary = nullptr;
  const RotaryTables* local_rotary = nullptr;  // sliding-window layers', where they have their own
  torch::Tensor* keys = nullptr;    // [B, kv_heads, capacity, head_dim]
  torch::Tensor* values = nullptr;
  int64_t past = 0;
  const torch::Tensor* positions = nullptr;  // int64 [B, T]; null: past + t
  const torch::Tensor* mask = nullptr;       // bool [B, 1, T, T], true where attention is allowed; null: causal
};

// Multi-head self-attention where position t sees positions <= t (within the
// layer's sliding window, if it has one), through scaled_dot_product_attention
// (flash / memory-efficient kernels where available; soft-capped scores need
// the explicit softmax). With n_kv_head < n_head, groups of query heads share
// a key/value head (grouped-query attention), and the cache holds only the
// shared heads.
struct CausalSelfAttentionImpl : torch::nn::Module {
  // `layer` (0-based) decides whether config.sliding_window applies to it.
  CausalSelfAttentionImpl(const GPTConfig& config, int64_t layer);
  // [B, T, C] -> [B, T, C]. With a cache the new tokens also attend to the
  // cached ones, and their keys and values are stored at [past, past + T).
  torch::Tensor forward(const torch::Tensor& x, const AttentionContext& context = {});

  int64_t n_head, n_kv_head, head_dim;
  int64_t window;  // 0: the layer sees every earlier position
  std::optional<double> scale;  // of q·k; none: 1/sqrt(head_dim)
  double softcap;
  double dropout;
  Linear qkv{nullptr};   // the three projections fused into one matmul
  Norm q_norm{nullptr};  // qk_norm only
  Norm k_norm{nullptr};
  Linear proj{nullptr};  // output projection back onto the residual stream
  torch::nn::Dropout resid_dropout{nullptr};

 private:
  torch::Tensor attend(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                       const std::optional<torch::Tensor>& mask, bool causal);
};
TORCH_MODULE(CausalSelfAttention);

}  // namespace anvil::models
