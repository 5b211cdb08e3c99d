#include "models/causal_self_attention.h"

#include <optional>

#include <ATen/ops/scaled_dot_product_attention.h>

namespace anvil::models {

CausalSelfAttentionImpl::CausalSelfAttentionImpl(const GPTConfig& c)
    : n_head(c.n_head), n_kv_head(c.kv_heads()), dropout(c.dropout) {
  const int64_t qkv_width = (n_head + 2 * n_kv_head) * c.head_dim();
  qkv = register_module("qkv", Linear(c.n_embd, qkv_width, c.bias));
  proj = register_module("proj", Linear(c.n_embd, c.n_embd, c.bias));
  resid_dropout = register_module("resid_dropout", torch::nn::Dropout(c.dropout));
}

torch::Tensor CausalSelfAttentionImpl::forward(const torch::Tensor& x, const AttentionContext& ctx) {
  const int64_t B = x.size(0), T = x.size(1), C = x.size(2), D = C / n_head;
  // [B, T, (H + 2·KV)·D] -> q [B, H, T, D], k and v [B, KV, T, D]. One split,
  // not three slices, and before the transposes: backward then concatenates the
  // three gradients straight into the [B, T, (H + 2·KV)·D] layout the qkv
  // matmul wants, with no zero-filled tensor per slice and no second copy.
  auto parts = qkv(x).view({B, T, n_head + 2 * n_kv_head, D}).split_with_sizes({n_head, n_kv_head, n_kv_head}, 2);
  auto q = parts[0].transpose(1, 2), k = parts[1].transpose(1, 2), v = parts[2].transpose(1, 2);
  if (ctx.rotary && ctx.positions) {
    q = apply_rotary(q, *ctx.rotary, *ctx.positions);
    k = apply_rotary(k, *ctx.rotary, *ctx.positions);
  } else if (ctx.rotary) {
    q = apply_rotary(q, *ctx.rotary, ctx.past);
    k = apply_rotary(k, *ctx.rotary, ctx.past);
  }
  std::optional<torch::Tensor> mask;
  if (ctx.mask) mask = *ctx.mask;
  if (ctx.keys) {
    ctx.keys->narrow(2, ctx.past, T).copy_(k);
    ctx.values->narrow(2, ctx.past, T).copy_(v);
    k = ctx.keys->narrow(2, 0, ctx.past + T);
    v = ctx.values->narrow(2, 0, ctx.past + T);
    // is_causal aligns its mask to the top left, right only without a past.
    // With one, new token i sees every cached position and new ones up to i;
    // a single new token sees everything, so it needs no mask.
    if (ctx.past > 0 && T > 1) mask = torch::ones({T, ctx.past + T}, x.options().dtype(torch::kBool)).tril(ctx.past);
  }
  if (n_kv_head != n_head) {
    k = k.repeat_interleave(n_head / n_kv_head, 1);
    v = v.repeat_interleave(n_head / n_kv_head, 1);
  }
  auto y = at::scaled_dot_product_attention(q, k, v, mask, is_training() ? dropout : 0.0, /*is_causal=*/ctx.past == 0 && !mask);
  return resid_dropout(proj(y.transpose(1, 2).contiguous().view({B, T, C})));
}

}  // namespace anvil::models
