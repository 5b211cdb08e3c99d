#pragma once
#include "models/causal_self_attention.h"
#include "models/mlp.h"
#include "models/norm.h"

namespace anvil::models {

// Pre-norm residual block: x + attn(norm(x)), then x + mlp(norm(x)). With
// config.post_norms each sublayer's output is normalised once more before it
// is added (Gemma's "sandwich" norms).
struct TransformerBlockImpl : torch::nn::Module {
  TransformerBlockImpl(const GPTConfig& config, int64_t layer);
  torch::Tensor forward(const torch::Tensor& x, const AttentionContext& context = {});
  // The two sublayers on their normalised inputs, each with its post norm:
  // what forward adds to the residual stream.
  torch::Tensor attention(const torch::Tensor& normed, const AttentionContext& context);
  torch::Tensor feed_forward(const torch::Tensor& normed);

  Norm ln_attn{nullptr};
  CausalSelfAttention attn{nullptr};
  Norm ln_attn_out{nullptr};  // post_norms only
  Norm ln_mlp{nullptr};
  MLP mlp{nullptr};
  Norm ln_mlp_out{nullptr};  // post_norms only
};
TORCH_MODULE(TransformerBlock);

}  // namespace anvil::models
