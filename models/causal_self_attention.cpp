#include "models/causal_self_attention.h"

#include <optional>

#include <ATen/ops/scaled_dot_product_attention.h>

namespace anvil::models {

CausalSelfAttentionImpl::CausalSelfAttentionImpl(const GPTConfig& c) : n_head(c.n_head), dropout(c.dropout) {
  qkv = register_module("qkv", torch::nn::Linear(torch::nn::LinearOptions(c.n_embd, 3 * c.n_embd).bias(c.bias)));
  proj = register_module("proj", torch::nn::Linear(torch::nn::LinearOptions(c.n_embd, c.n_embd).bias(c.bias)));
  resid_dropout = register_module("resid_dropout", torch::nn::Dropout(c.dropout));
}

torch::Tensor CausalSelfAttentionImpl::forward(const torch::Tensor& x, torch::Tensor* keys, torch::Tensor* values,
                                               int64_t past) {
  const int64_t B = x.size(0), T = x.size(1), C = x.size(2);
  // [B, T, 3C] -> three [B, n_head, T, head_dim]
  auto heads = qkv(x).view({B, T, 3, n_head, C / n_head}).permute({2, 0, 3, 1, 4});
  auto q = heads[0], k = heads[1], v = heads[2];
  std::optional<torch::Tensor> mask;
  if (keys) {
    keys->narrow(2, past, T).copy_(k);
    values->narrow(2, past, T).copy_(v);
    k = keys->narrow(2, 0, past + T);
    v = values->narrow(2, 0, past + T);
    // is_causal aligns its mask to the top left, right only without a past.
    // With one, new token i sees every cached position and new ones up to i;
    // a single new token sees everything, so it needs no mask.
    if (past > 0 && T > 1) mask = torch::ones({T, past + T}, x.options().dtype(torch::kBool)).tril(past);
  }
  auto y = at::scaled_dot_product_attention(q, k, v, mask, is_training() ? dropout : 0.0, /*is_causal=*/past == 0);
  y = y.transpose(1, 2).contiguous().view({B, T, C});
  return resid_dropout(proj(y));
}

}  // namespace anvil::models
