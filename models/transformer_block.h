#pragma once
#include <utility>

#include "models/causal_self_attention.h"
#include "models/mlp.h"
#include "models/norm.h"

namespace anvil::models {

// Pre-norm residual block: x + attn(norm(x)), then x + mlp(norm(x)).
struct TransformerBlockImpl : torch::nn::Module {
  explicit TransformerBlockImpl(const GPTConfig& config);
  torch::Tensor forward(const torch::Tensor& x, const AttentionContext& context = {});
  // The same block with its residual adds deferred into the norms after them:
  // the input is x + pending (pending may be undefined), and the result is
  // {s, m} with s + m the block's output. A chain of blocks passes m on, so
  // each residual add runs in the next norm's kernel (fused_ops).
  std::pair<torch::Tensor, torch::Tensor> forward_deferred(const torch::Tensor& x, const torch::Tensor& pending,
                                                           const AttentionContext& context = {});

  bool fused_ops;  // each residual add and the norm after it as one kernel
  Norm ln_attn{nullptr};
  CausalSelfAttention attn{nullptr};
  Norm ln_mlp{nullptr};
  MLP mlp{nullptr};
};
TORCH_MODULE(TransformerBlock);

}  // namespace anvil::models
