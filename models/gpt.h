#pragma once
// Decoder-only Transformer for causal language modelling: GPT-2 style,
// Llama style or one of the families built on Llama, as GPTConfig says.
#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/dropout.h>
#include <torch/nn/modules/embedding.h>
#include <torch/nn/modules/linear.h>

#include "models/gpt_config.h"
#include "models/kv_cache.h"
#include "models/norm.h"
#include "models/rotary.h"

namespace anvil::models {

struct GPTImpl : torch::nn::Module {
  // Without random_init the weights are LibTorch's layer defaults, for a
  // model whose every weight is loaded next.
  explicit GPTImpl(const GPTConfig& config, bool random_init = true);

  // Token ids [B, T] (T <= block_size) -> next-token logits [B, T, embedding_rows()],
  // or with a classification head class logits [B, T, num_classes], where
  // position t's logits read tokens 0..t (so with right padding, the last real
  // token's position classifies the whole text).
  // With a cache, the tokens continue the cached sequence (positions
  // cache->length onwards; at most block_size in all) and are added to it.
  // With segments (int64 [B, T], the document of each token, as packed
  // batches carry them) a token attends only within its document and
  // positions restart at each document; not combined with a cache.
  torch::Tensor forward(const torch::Tensor& tokens, KVCache* cache = nullptr, const torch::Tensor& segments = {});
  // forward() up to the head: the final normalised states [B, T, n_embd].
  // (Gemma 2's logit soft-cap comes after the head: see lm_logits.)
  torch::Tensor forward_hidden(const torch::Tensor& tokens, KVCache* cache = nullptr,
                               const torch::Tensor& segments = {});
  // The LM head's weight [embedding_rows(), n_embd]: the token embedding when tied.
  // Language models only (no classification head).
  const torch::Tensor& output_embedding() const;
  // The LM head on final states: logits, soft-capped where config.logit_softcap says.
  torch::Tensor lm_logits(const torch::Tensor& hidden) const;
  int64_t num_parameters() const;
  // 6N + 12·L·C·T: nanoGPT's estimate of training FLOPs per token.
  double flops_per_token() const;

  GPTConfig config;
  torch::nn::Embedding token_embedding{nullptr};
  torch::nn::Embedding position_embedding{nullptr};  // learned positions only
  torch::Tensor sinusoid;                            // sinusoidal positions only
  RotaryTables rotary;                               // rotary positions only; not saved (derived)
  RotaryTables local_rotary;                         // rope_local_theta only; not saved
  torch::nn::Dropout dropout{nullptr};
  torch::nn::ModuleList blocks{nullptr};
  Norm ln_final{nullptr};
  torch::nn::Linear lm_head{nullptr};  // untied embeddings only
  torch::nn::Linear score{nullptr};    // classification head only

 private:
  void init_weights();
};
TORCH_MODULE(GPT);

}  // namespace anvil::models
