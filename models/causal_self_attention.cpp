#include "models/causal_self_attention.h"

#include <cmath>
#include <limits>

#include <ATen/ops/dropout.h>
#include <ATen/ops/scaled_dot_product_attention.h>

namespace anvil::models {
namespace {

// Where query i (at position past + i) may attend key j, [T, past + T]: j <=
// past + i, and with a window also past + i - j < window.
torch::Tensor causal_mask(int64_t T, int64_t past, int64_t window, const torch::TensorOptions& options) {
  const auto ones = torch::ones({T, past + T}, options.dtype(torch::kBool));
  auto mask = ones.tril(past);
  if (window > 0) mask &= ones.tril(past - window).logical_not();
  return mask;
}

}  // namespace

CausalSelfAttentionImpl::CausalSelfAttentionImpl(const GPTConfig& c, int64_t layer)
    : n_head(c.n_head), n_kv_head(c.kv_heads()), head_dim(c.head_dim()),
      window(c.sliding(layer) ? c.sliding_window : 0), softcap(c.attn_softcap), dropout(c.dropout) {
  if (c.query_pre_attn_scalar > 0) scale = 1.0 / std::sqrt(c.query_pre_attn_scalar);
  const int64_t qkv_width = (n_head + 2 * n_kv_head) * head_dim;
  qkv = register_module("qkv", Linear(c.n_embd, qkv_width, c.bias || c.qkv_bias));
  if (c.qk_norm) {
    q_norm = register_module("q_norm", Norm(head_dim, c));
    k_norm = register_module("k_norm", Norm(head_dim, c));
  }
  proj = register_module("proj", Linear(n_head * head_dim, c.n_embd, c.bias));
  resid_dropout = register_module("resid_dropout", torch::nn::Dropout(c.dropout));
}

torch::Tensor CausalSelfAttentionImpl::forward(const torch::Tensor& x, const AttentionContext& ctx) {
  const int64_t B = x.size(0), T = x.size(1), D = head_dim;
  // [B, T, (H + 2·KV)·D] -> q [B, H, T, D], k and v [B, KV, T, D]. One split,
  // not three slices, and before the transposes: backward then concatenates the
  // three gradients straight into the [B, T, (H + 2·KV)·D] layout the qkv
  // matmul wants, with no zero-filled tensor per slice and no second copy.
  auto parts = qkv(x).view({B, T, n_head + 2 * n_kv_head, D}).split_with_sizes({n_head, n_kv_head, n_kv_head}, 2);
  auto q = parts[0], k = parts[1], v = parts[2].transpose(1, 2);
  if (q_norm) {  // over each head's D features
    q = q_norm(q);
    k = k_norm(k);
  }
  q = q.transpose(1, 2);
  k = k.transpose(1, 2);
  const RotaryTables* rotary = window > 0 && ctx.local_rotary ? ctx.local_rotary : ctx.rotary;
  if (rotary && ctx.positions) {
    q = apply_rotary(q, *rotary, *ctx.positions);
    k = apply_rotary(k, *rotary, *ctx.positions);
  } else if (rotary) {
    q = apply_rotary(q, *rotary, ctx.past);
    k = apply_rotary(k, *rotary, ctx.past);
  }
  const int64_t past = ctx.keys ? ctx.past : 0;
  if (ctx.keys) {
    ctx.keys->narrow(2, past, T).copy_(k);
    ctx.values->narrow(2, past, T).copy_(v);
    k = ctx.keys->narrow(2, 0, past + T);
    v = ctx.values->narrow(2, 0, past + T);
  }
  // is_causal aligns its mask to the top left, right only without a past.
  // With one, new token i sees every cached position and new ones up to i;
  // a single new token sees everything, so it needs no mask, unless the
  // sliding window hides the oldest positions.
  const bool windowed = window > 0 && past + T > window;
  std::optional<torch::Tensor> mask;
  if (ctx.mask)
    mask = windowed ? *ctx.mask & causal_mask(T, 0, window, x.options()) : *ctx.mask;
  else if (windowed || (past > 0 && T > 1))
    mask = causal_mask(T, past, windowed ? window : 0, x.options());
  if (n_kv_head != n_head) {
    k = k.repeat_interleave(n_head / n_kv_head, 1);
    v = v.repeat_interleave(n_head / n_kv_head, 1);
  }
  const auto y = attend(q, k, v, mask, /*causal=*/past == 0 && !mask);
  return resid_dropout(proj(y.transpose(1, 2).contiguous().view({B, T, n_head * D})));
}

torch::Tensor CausalSelfAttentionImpl::attend(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                                              const std::optional<torch::Tensor>& mask, bool causal) {
  const double p = is_training() ? dropout : 0.0;
  if (softcap <= 0) return at::scaled_dot_product_attention(q, k, v, mask, p, causal, scale);
  // The fused kernels cannot cap the scores, so they are formed whole.
  auto scores = at::matmul(q, k.transpose(-2, -1)) * scale.value_or(1.0 / std::sqrt(static_cast<double>(head_dim)));
  scores = at::tanh(scores / softcap) * softcap;
  const int64_t T = q.size(2), S = k.size(2);
  if (causal || mask) {
    const auto allowed = mask ? *mask : causal_mask(T, S - T, 0, q.options());
    scores = scores.masked_fill(allowed.logical_not(), -std::numeric_limits<float>::infinity());
  }
  const auto probs = at::dropout(scores.softmax(-1, torch::kFloat).to(q.scalar_type()), p, is_training());
  return at::matmul(probs, v);
}

}  // namespace anvil::models
