#include "models/generate.h"

#include <algorithm>
#include <limits>
#include <stdexcept>

#include <ATen/CPUGeneratorImpl.h>
#include <torch/csrc/autograd/grad_mode.h>

namespace anvil::models {

int64_t sample_token(const torch::Tensor& logits, const SamplingOptions& o, at::Generator& generator) {
  // Doubles, shifted so the largest score is 0: a tiny temperature then
  // sends the others to -inf, never inf - inf = NaN.
  auto scores = logits.to(torch::kCPU, torch::kDouble);
  if (o.temperature <= 0.0 || o.top_k == 1) return scores.argmax().item<int64_t>();
  scores = (scores - scores.max()) / o.temperature;
  if (o.top_k > 0 && o.top_k < scores.size(0)) {
    const auto kth = std::get<0>(scores.topk(o.top_k)).min();
    scores = scores.masked_fill(scores < kth, -std::numeric_limits<float>::infinity());
  }
  auto probs = scores.softmax(0);
  if (o.top_p < 1.0) {
    // Keep the most likely tokens until their mass reaches top_p (always at least one).
    const auto [sorted, order] = probs.sort(0, /*descending=*/true);
    const auto drop_sorted = (sorted.cumsum(0) - sorted) >= o.top_p;  // mass before each token
    const auto drop = torch::zeros_like(drop_sorted).scatter(0, order, drop_sorted);
    probs = probs.masked_fill(drop, 0.0);
    probs = probs / probs.sum();
  }
  return probs.multinomial(1, /*replacement=*/false, generator).item<int64_t>();
}

bool is_stop_token(const SamplingOptions& options, int64_t token) {
  return std::find(options.stop_tokens.begin(), options.stop_tokens.end(), token) != options.stop_tokens.end();
}

std::vector<int64_t> generate(GPT& model, const std::vector<int64_t>& prompt, const SamplingOptions& o) {
  if (prompt.empty()) throw std::invalid_argument("generation needs a prompt of at least one token");
  torch::NoGradGuard no_grad;
  const bool was_training = model->is_training();
  model->eval();
  const auto device = model->parameters().front().device();
  const int64_t window = model->config.block_size;
  auto generator = at::make_generator<at::CPUGeneratorImpl>(o.seed);
  std::vector<int64_t> tokens = prompt;
  KVCache cache;
  auto as_batch = [&](size_t first) {
    return torch::tensor(std::vector<int64_t>(tokens.begin() + static_cast<std::ptrdiff_t>(first), tokens.end()),
                         torch::kLong).unsqueeze(0).to(device);
  };
  for (int64_t i = 0; i < o.max_new_tokens; ++i) {
    const size_t first = tokens.size() > static_cast<size_t>(window) ? tokens.size() - window : 0;
    torch::Tensor logits;
    if (!o.use_cache) {
      logits = model->forward(as_batch(first));
    } else if (cache.length > 0 && cache.length < window) {
      logits = model->forward(as_batch(tokens.size() - 1), &cache);  // the newest token only
    } else {
      cache = KVCache{};  // first step, or the window slid: fill the cache anew
      logits = model->forward(as_batch(first), &cache);
    }
    // Padding rows of the vocabulary are no tokens.
    const auto row = logits[0][-1].narrow(0, 0, model->config.vocab_size);
    tokens.push_back(sample_token(row, o, generator));
    if (o.on_token && !o.on_token(tokens.back(), row)) break;
    if (is_stop_token(o, tokens.back())) break;
  }
  model->train(was_training);
  return tokens;
}

}  // namespace anvil::models
