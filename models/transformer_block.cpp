#include "models/transformer_block.h"

namespace anvil::models {

TransformerBlockImpl::TransformerBlockImpl(const GPTConfig& c) : fused_ops(c.fused_ops) {
  ln_attn = register_module("ln_attn", Norm(c.n_embd, c));
  attn = register_module("attn", CausalSelfAttention(c));
  ln_mlp = register_module("ln_mlp", Norm(c.n_embd, c));
  mlp = register_module("mlp", MLP(c));
}

torch::Tensor TransformerBlockImpl::forward(torch::Tensor x, const AttentionContext& context) {
  const auto [sum, normed] = ln_mlp->add_then_forward(x, attn->forward(ln_attn(x), context), fused_ops);
  return sum + mlp(normed);
}

}  // namespace anvil::models
