#pragma once
// Log-likelihoods of continuations after contexts, as lm-evaluation-harness's
// `hf` model computes them, with a context shared by several continuations
// (a multiple-choice question) run once and its choices scored together from
// its KV cache.
#include <cstdint>
#include <functional>
#include <vector>

#include "models/gpt.h"

namespace anvil::benchmarks {

// One context and the continuations scored after it, already tokenized.
struct ScoreGroup {
  std::vector<int64_t> context;
  std::vector<std::vector<int64_t>> continuations;
};

struct Loglikelihood {
  double logprob = 0;   // sum over the continuation's tokens, nats
  bool greedy = false;  // every continuation token is the argmax after what precedes it
};

struct ScoringOptions {
  // Tokens per forward pass when continuations of different contexts are
  // batched (longest first, as the harness sorts them).
  int64_t batch_tokens = 4096;
  // Called after each forward pass with the continuations scored so far and
  // in all (for a progress line).
  std::function<void(int64_t done, int64_t total)> on_progress;
};

// Results in group order, each group's in its continuations' order. A context
// and continuation longer than block_size + 1 lose tokens from the left, as
// the harness truncates. Throws std::invalid_argument for an empty context or
// continuation.
std::vector<std::vector<Loglikelihood>> score_groups(models::GPT& model, const std::vector<ScoreGroup>& groups,
                                                      const ScoringOptions& options);

}  // namespace anvil::benchmarks
