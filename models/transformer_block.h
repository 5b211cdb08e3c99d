#pragma once
#include "models/causal_self_attention.h"
#include "models/layer_norm.h"
#include "models/mlp.h"

namespace anvil::models {

// Pre-LayerNorm residual block: x + attn(ln(x)), then x + mlp(ln(x)).
struct TransformerBlockImpl : torch::nn::Module {
  explicit TransformerBlockImpl(const GPTConfig& config);
  // keys/values/past: this layer's KV cache, as in CausalSelfAttention.
  torch::Tensor forward(torch::Tensor x, torch::Tensor* keys = nullptr, torch::Tensor* values = nullptr,
                        int64_t past = 0);

  LayerNorm ln_attn{nullptr};
  CausalSelfAttention attn{nullptr};
  LayerNorm ln_mlp{nullptr};
  MLP mlp{nullptr};
};
TORCH_MODULE(TransformerBlock);

}  // namespace anvil::models
