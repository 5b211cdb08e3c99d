#include "models/transformer_block.h"

namespace anvil::models {

TransformerBlockImpl::TransformerBlockImpl(const GPTConfig& c) {
  ln_attn = register_module("ln_attn", LayerNorm(c.n_embd, c.bias));
  attn = register_module("attn", CausalSelfAttention(c));
  ln_mlp = register_module("ln_mlp", LayerNorm(c.n_embd, c.bias));
  mlp = register_module("mlp", MLP(c));
}

torch::Tensor TransformerBlockImpl::forward(torch::Tensor x, torch::Tensor* keys, torch::Tensor* values,
                                            int64_t past) {
  x = x + attn->forward(ln_attn(x), keys, values, past);
  return x + mlp(ln_mlp(x));
}

}  // namespace anvil::models
