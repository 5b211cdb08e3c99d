#pragma once
#include "models/causal_self_attention.h"
#include "models/mlp.h"
#include "models/norm.h"

namespace anvil::models {

// Pre-norm residual block: x + attn(norm(x)), then x + mlp(norm(x)).
struct TransformerBlockImpl : torch::nn::Module {
  explicit TransformerBlockImpl(const GPTConfig& config);
  torch::Tensor forward(const torch::Tensor& x, const AttentionContext& context = {});

  Norm ln_attn{nullptr};
  CausalSelfAttention attn{nullptr};
  Norm ln_mlp{nullptr};
  MLP mlp{nullptr};
};
TORCH_MODULE(TransformerBlock);

}  // namespace anvil::models
