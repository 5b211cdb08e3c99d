#include "models/causal_self_attention.h"

#include <ATen/ops/scaled_dot_product_attention.h>

namespace anvil::models {

CausalSelfAttentionImpl::CausalSelfAttentionImpl(const GPTConfig& c) : n_head(c.n_head), dropout(c.dropout) {
  qkv = register_module("qkv", torch::nn::Linear(torch::nn::LinearOptions(c.n_embd, 3 * c.n_embd).bias(c.bias)));
  proj = register_module("proj", torch::nn::Linear(torch::nn::LinearOptions(c.n_embd, c.n_embd).bias(c.bias)));
  resid_dropout = register_module("resid_dropout", torch::nn::Dropout(c.dropout));
}

torch::Tensor CausalSelfAttentionImpl::forward(const torch::Tensor& x) {
  const int64_t B = x.size(0), T = x.size(1), C = x.size(2);
  // [B, T, 3C] -> three [B, n_head, T, head_dim]
  auto heads = qkv(x).view({B, T, 3, n_head, C / n_head}).permute({2, 0, 3, 1, 4});
  auto y = at::scaled_dot_product_attention(heads[0], heads[1], heads[2], /*attn_mask=*/{},
                                            is_training() ? dropout : 0.0, /*is_causal=*/true);
  y = y.transpose(1, 2).contiguous().view({B, T, C});
  return resid_dropout(proj(y));
}

}  // namespace anvil::models
