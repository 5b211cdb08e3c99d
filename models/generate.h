#pragma once
// Autoregressive sampling from a GPT: temperature, top-k, nucleus (top-p).
#include <cstdint>
#include <functional>
#include <vector>

#include "models/gpt.h"

namespace anvil::models {

struct SamplingOptions {
  int64_t max_new_tokens = 100;
  double temperature = 1.0;  // 0: greedy (argmax)
  int64_t top_k = 0;         // 0: no top-k cut
  double top_p = 1.0;        // 1: no nucleus cut
  uint64_t seed = 0;
  bool use_cache = true;     // false recomputes the whole window for every token
  std::vector<int64_t> stop_tokens;  // generation ends after emitting one of these
  // Called with each new token and the logits [vocab] it was drawn from;
  // returning false ends generation after it (a stop string was met, the
  // client went away).
  std::function<bool(int64_t token, const torch::Tensor& logits)> on_token;
};

// The prompt followed by up to max_new_tokens sampled tokens. The model sees
// at most its block_size most recent tokens. With the cache, each new token
// costs one position until the window is full; from then on every step
// recomputes the window, exactly as without the cache.
std::vector<int64_t> generate(GPT& model, const std::vector<int64_t>& prompt, const SamplingOptions& options);

// Whether TOKEN is one of options.stop_tokens.
bool is_stop_token(const SamplingOptions& options, int64_t token);

// Next-token choice from one row of logits [vocab], on the CPU generator given.
int64_t sample_token(const torch::Tensor& logits, const SamplingOptions& options, at::Generator& generator);

}  // namespace anvil::models
