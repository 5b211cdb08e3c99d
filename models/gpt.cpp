#include "models/gpt.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <tuple>

#include <torch/nn/functional/linear.h>
#include <torch/nn/init.h>

#include "common/strings.h"
#include "models/block_pass.h"
#include "models/fused_forward.h"
#include "models/positions.h"
#include "models/transformer_block.h"

namespace anvil::models {
using common::ends_with;
namespace {

// Each token's offset from the first token of its segment: [B, T] int64.
torch::Tensor positions_within_segments(const torch::Tensor& segments) {
  const int64_t T = segments.size(1);
  const auto t = torch::arange(T, segments.options()).expand_as(segments);
  const auto starts = segments.narrow(1, 1, T - 1) != segments.narrow(1, 0, T - 1);
  auto start_index = torch::zeros_like(segments);
  start_index.narrow(1, 1, T - 1).copy_(t.narrow(1, 1, T - 1) * starts);
  return t - std::get<0>(start_index.cummax(1));
}

// Block-diagonal causal mask [B, 1, T, T]: query i may see key j <= i of its own segment.
torch::Tensor segment_causal_mask(const torch::Tensor& segments) {
  const int64_t T = segments.size(1);
  const auto same = segments.unsqueeze(2) == segments.unsqueeze(1);
  return (same & torch::ones({T, T}, same.options()).tril()).unsqueeze(1);
}

// Room in the cache for `needed` positions. It grows by doubling, up to
// block_size, so a model with a long context costs cache memory only as the
// context is used.
void reserve_cache(KVCache& cache, const GPTConfig& c, int64_t batch, int64_t needed,
                   const torch::TensorOptions& options) {
  const int64_t capacity = cache.keys.empty() ? 0 : cache.keys[0].size(2);
  if (needed <= capacity) return;
  const int64_t grown = std::min(c.block_size, std::max({needed, 2 * capacity, int64_t{256}}));
  cache.keys.resize(c.n_layer);
  cache.values.resize(c.n_layer);
  for (auto* layers : {&cache.keys, &cache.values}) {
    for (auto& layer : *layers) {
      auto larger = torch::empty({batch, c.kv_heads(), grown, c.head_dim()}, options);
      if (cache.length > 0) larger.narrow(2, 0, cache.length).copy_(layer.narrow(2, 0, cache.length));
      layer = larger;
    }
  }
}

// The blocks in turn, each adding its sublayers to the residual stream: x = block(x).
torch::Tensor apply_blocks(const BlockPass& pass, const torch::nn::ModuleList& blocks, torch::Tensor x) {
  for (size_t i = 0; i < blocks->size(); ++i) {
    auto block = blocks->ptr<TransformerBlockImpl>(i);
    const auto whole_block = [block](const torch::Tensor& h, const AttentionContext& context) {
      return block->forward(h, context);
    };
    x = pass.checkpointed(i) ? pass.run_checkpointed(whole_block, x, block->parameters())
                             : block->forward(x, pass.context(i));
  }
  return x;
}

}  // namespace

GPTImpl::GPTImpl(const GPTConfig& c, bool random_init) : config(c) {
  if (c.vocab_size < 1 || c.vocab_multiple < 1 || c.block_size < 1 || c.n_layer < 1 || c.n_head < 1 || c.n_embd < 1)
    throw std::invalid_argument("GPT sizes must all be positive");
  if (c.head_size == 0 && c.n_embd % c.n_head != 0)
    throw std::invalid_argument("n_embd (" + std::to_string(c.n_embd) + ") must be divisible by n_head (" +
                                std::to_string(c.n_head) + ")");
  if (c.n_head % c.kv_heads() != 0)
    throw std::invalid_argument("n_head (" + std::to_string(c.n_head) + ") must be divisible by n_kv_head (" +
                                std::to_string(c.kv_heads()) + ")");
  if (c.position == PositionEncoding::kRotary && c.head_dim() % 2 != 0)
    throw std::invalid_argument("rotary positions need an even head dimension");
  token_embedding = register_module("token_embedding", torch::nn::Embedding(c.embedding_rows(), c.n_embd));
  if (c.position == PositionEncoding::kLearned)
    position_embedding = register_module("position_embedding", torch::nn::Embedding(c.block_size, c.n_embd));
  else if (c.position == PositionEncoding::kSinusoidal)
    sinusoid = register_buffer("sinusoid", sinusoidal_positions(c.block_size, c.n_embd));
  else
    rotary = rotary_tables(c.block_size, c.head_dim(), c.rope_theta, c.rope_scaling);
  if (c.position == PositionEncoding::kRotary && c.rope_local_theta > 0)
    local_rotary = rotary_tables(c.block_size, c.head_dim(), c.rope_local_theta);
  dropout = register_module("dropout", torch::nn::Dropout(c.dropout));
  blocks = register_module("blocks", torch::nn::ModuleList());
  for (int64_t i = 0; i < c.n_layer; ++i) blocks->push_back(TransformerBlock(c, i));
  ln_final = register_module("ln_final", Norm(c.n_embd, c));
  if (c.num_classes > 0)
    score = register_module("score", torch::nn::Linear(torch::nn::LinearOptions(c.n_embd, c.num_classes)));
  else if (!c.tie_embeddings)
    lm_head = register_module("lm_head", torch::nn::Linear(torch::nn::LinearOptions(c.n_embd, c.embedding_rows()).bias(false)));
  if (random_init) init_weights();
}

// GPT-2 initialisation: N(0, 0.02) for matrices and embeddings, zero biases, and
// residual output projections scaled by 1/sqrt(2·n_layer) so the residual
// stream's variance does not grow with depth.
void GPTImpl::init_weights() {
  torch::NoGradGuard no_grad;
  const double residual_std = 0.02 / std::sqrt(2.0 * static_cast<double>(config.n_layer));
  for (auto& item : named_parameters()) {
    const std::string& name = item.key();
    auto& p = item.value();
    if (p.dim() >= 2)
      torch::nn::init::normal_(p, 0.0, ends_with(name, "proj.weight") ? residual_std : 0.02);
    else if (ends_with(name, "bias"))
      torch::nn::init::zeros_(p);
  }
}

torch::Tensor GPTImpl::forward(const torch::Tensor& tokens, KVCache* cache, const torch::Tensor& segments) {
  auto x = forward_hidden(tokens, cache, segments);
  if (score) {
    // Mean pooling: the average of the states at positions 0..t, summed in
    // fp32 (under autocast the fused final norm hands over bf16 states).
    const int64_t T = x.size(1);
    if (config.pooling == Pooling::kMean) {
      const auto dtype = c10::promoteTypes(x.scalar_type(), torch::kFloat);
      x = x.to(dtype).cumsum(1) / torch::arange(1, T + 1, x.options().dtype(dtype)).view({1, T, 1});
    }
    return score(x);
  }
  return lm_logits(x);
}

torch::Tensor GPTImpl::lm_logits(const torch::Tensor& hidden) const {
  const auto logits = torch::nn::functional::linear(hidden, output_embedding());
  if (config.logit_softcap <= 0) return logits;
  return torch::tanh(logits / config.logit_softcap) * config.logit_softcap;
}

const torch::Tensor& GPTImpl::output_embedding() const {
  if (score) throw std::logic_error("a classifier has no LM head");
  return lm_head ? lm_head->weight : token_embedding->weight;
}

torch::Tensor GPTImpl::forward_hidden(const torch::Tensor& tokens, KVCache* cache, const torch::Tensor& segments) {
  const int64_t T = tokens.size(1), past = cache ? cache->length : 0;
  if (past + T > config.block_size)
    throw std::invalid_argument("sequence of " + std::to_string(past + T) + " tokens exceeds block_size " +
                                std::to_string(config.block_size));
  if (segments.defined() && (cache || segments.sizes() != tokens.sizes()))
    throw std::invalid_argument("segments must match the tokens' shape and cannot be used with a KV cache");
  const auto positions = segments.defined() ? positions_within_segments(segments) : torch::Tensor();
  const auto mask = segments.defined() ? segment_causal_mask(segments) : torch::Tensor();
  auto x = token_embedding(tokens);
  // Gemma rounds the factor to the embedding's dtype before multiplying.
  if (config.scale_embeddings) x = x * torch::scalar_tensor(std::sqrt(static_cast<double>(config.n_embd)), x.options());
  if (position_embedding)
    x = x + (positions.defined() ? position_embedding(positions) : position_embedding->weight.narrow(0, past, T));
  if (sinusoid.defined())
    x = x + (positions.defined() ? sinusoid.index_select(0, positions.reshape({-1})).view_as(x)
                                 : sinusoid.narrow(0, past, T)).to(x.dtype());
  for (auto* tables : {&rotary, &local_rotary})  // derived tables follow the model
    if (tables->cos.defined() && tables->cos.device() != x.device())
      *tables = {tables->cos.to(x.device()), tables->sin.to(x.device())};
  x = dropout(x);
  if (cache) reserve_cache(*cache, config, tokens.size(0), past + T, x.options());
  const BlockPass pass{rotary, local_rotary, positions, mask, cache, is_training() && !cache ? config.activation_checkpointing : 0};
  x = config.fused_ops ? fused_blocks_then_norm(pass, blocks, *ln_final, x) : ln_final(apply_blocks(pass, blocks, x));
  if (cache) cache->length += T;
  return x;
}

int64_t GPTImpl::num_parameters() const {
  int64_t n = 0;
  for (const auto& p : parameters()) n += p.numel();
  return n;
}

double GPTImpl::flops_per_token() const {
  const auto L = static_cast<double>(config.n_layer), C = static_cast<double>(config.n_embd),
             T = static_cast<double>(config.block_size);
  return 6.0 * static_cast<double>(num_parameters()) + 12.0 * L * C * T;
}

}  // namespace anvil::models
