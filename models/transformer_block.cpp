#include "models/transformer_block.h"

namespace anvil::models {

TransformerBlockImpl::TransformerBlockImpl(const GPTConfig& c, int64_t layer) {
  ln_attn = register_module("ln_attn", Norm(c.n_embd, c));
  attn = register_module("attn", CausalSelfAttention(c, layer));
  if (c.post_norms) ln_attn_out = register_module("ln_attn_out", Norm(c.n_embd, c));
  ln_mlp = register_module("ln_mlp", Norm(c.n_embd, c));
  mlp = register_module("mlp", MLP(c));
  if (c.post_norms) ln_mlp_out = register_module("ln_mlp_out", Norm(c.n_embd, c));
}

torch::Tensor TransformerBlockImpl::attention(const torch::Tensor& normed, const AttentionContext& context) {
  auto out = attn(normed, context);
  return ln_attn_out ? ln_attn_out(out) : out;
}

torch::Tensor TransformerBlockImpl::feed_forward(const torch::Tensor& normed) {
  auto out = mlp(normed);
  return ln_mlp_out ? ln_mlp_out(out) : out;
}

torch::Tensor TransformerBlockImpl::forward(const torch::Tensor& x, const AttentionContext& context) {
  const auto h = x + attention(ln_attn(x), context);
  return h + feed_forward(ln_mlp(h));
}

}  // namespace anvil::models
