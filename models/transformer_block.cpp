#include "models/transformer_block.h"

namespace anvil::models {

TransformerBlockImpl::TransformerBlockImpl(const GPTConfig& c) {
  ln_attn = register_module("ln_attn", Norm(c.n_embd, c));
  attn = register_module("attn", CausalSelfAttention(c));
  ln_mlp = register_module("ln_mlp", Norm(c.n_embd, c));
  mlp = register_module("mlp", MLP(c));
}

torch::Tensor TransformerBlockImpl::forward(const torch::Tensor& x, const AttentionContext& context) {
  const auto h = x + attn(ln_attn(x), context);
  return h + mlp(ln_mlp(h));
}

}  // namespace anvil::models
