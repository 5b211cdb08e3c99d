#include "models/transformer_block.h"

namespace anvil::models {

TransformerBlockImpl::TransformerBlockImpl(const GPTConfig& c) : fused_ops(c.fused_ops) {
  ln_attn = register_module("ln_attn", Norm(c.n_embd, c));
  attn = register_module("attn", CausalSelfAttention(c));
  ln_mlp = register_module("ln_mlp", Norm(c.n_embd, c));
  mlp = register_module("mlp", MLP(c));
}

torch::Tensor TransformerBlockImpl::forward(const torch::Tensor& x, const AttentionContext& context) {
  const auto [sum, mlp_out] = forward_deferred(x, {}, context);
  return sum + mlp_out;
}

std::pair<torch::Tensor, torch::Tensor> TransformerBlockImpl::forward_deferred(const torch::Tensor& x,
                                                                               const torch::Tensor& pending,
                                                                               const AttentionContext& context) {
  const auto [input, attn_in] = ln_attn->add_then_forward(x, pending, fused_ops);
  const auto [sum, mlp_in] = ln_mlp->add_then_forward(input, attn->forward(attn_in, context), fused_ops);
  return {sum, mlp(mlp_in)};
}

}  // namespace anvil::models
