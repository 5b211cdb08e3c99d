#include "benchmarks/loglikelihood.h"

#include <algorithm>
#include <numeric>
#include <stdexcept>

#include <torch/torch.h>

#include "models/kv_cache.h"

namespace anvil::benchmarks {
namespace {

// Log-probabilities of TARGETS [N] under the logits of the states HIDDEN [N, C]
// that predict them, and whether each target is the argmax.
void score_positions(models::GPT& model, const torch::Tensor& hidden, const std::vector<int64_t>& targets,
                     std::vector<double>& logprobs, std::vector<bool>& greedy) {
  const auto logits = model->lm_logits(hidden).to(torch::kFloat);
  const auto logp = logits.log_softmax(-1);
  const auto target = torch::tensor(targets, torch::kLong).to(logits.device());
  const auto picked = logp.gather(1, target.unsqueeze(1)).squeeze(1).to(torch::kDouble).cpu();
  const auto argmax = logits.argmax(-1).cpu();
  const auto* p = picked.data_ptr<double>();
  const auto* a = argmax.data_ptr<int64_t>();
  for (size_t i = 0; i < targets.size(); ++i) {
    logprobs.push_back(p[i]);
    greedy.push_back(a[i] == targets[i]);
  }
}

Loglikelihood summed(const std::vector<double>& logprobs, const std::vector<bool>& greedy, size_t begin, size_t end) {
  Loglikelihood out{0, true};
  for (size_t i = begin; i < end; ++i) {
    out.logprob += logprobs[i];
    out.greedy = out.greedy && greedy[i];
  }
  return out;
}

// The context once, through the cache; then every continuation in one batch
// from a copy of that cache per row.
std::vector<Loglikelihood> score_shared_context(models::GPT& model, const ScoreGroup& group, c10::Device device) {
  models::KVCache cache;
  const auto context = torch::tensor(group.context, torch::kLong).unsqueeze(0).to(device);
  const auto context_hidden = model->forward_hidden(context, &cache);
  const auto last = context_hidden.select(1, context_hidden.size(1) - 1);  // [1, C]: predicts each first token

  const auto rows = static_cast<int64_t>(group.continuations.size());
  int64_t longest = 0;
  for (const auto& c : group.continuations) longest = std::max<int64_t>(longest, static_cast<int64_t>(c.size()) - 1);
  torch::Tensor rest_hidden;
  if (longest > 0) {
    // Row r holds continuation r without its last token, right-padded: the
    // pads come after every real token, so causal attention never reads them.
    std::vector<int64_t> tokens(static_cast<size_t>(rows * longest), 0);
    for (int64_t r = 0; r < rows; ++r) {
      const auto& c = group.continuations[static_cast<size_t>(r)];
      std::copy(c.begin(), c.end() - 1, tokens.begin() + r * longest);
    }
    models::KVCache expanded;
    expanded.length = cache.length;
    const auto copy_layers = [&](const std::vector<torch::Tensor>& from, std::vector<torch::Tensor>& to) {
      for (const auto& layer : from) {
        const auto filled = layer.narrow(2, 0, cache.length);
        auto sizes = filled.sizes().vec();
        sizes[0] = rows;
        sizes[2] = cache.length + longest;
        auto room = torch::empty(sizes, filled.options());
        room.narrow(2, 0, cache.length).copy_(filled.expand({rows, -1, -1, -1}));
        to.push_back(room);
      }
    };
    copy_layers(cache.keys, expanded.keys);
    copy_layers(cache.values, expanded.values);
    rest_hidden = model->forward_hidden(torch::tensor(tokens, torch::kLong).view({rows, longest}).to(device), &expanded);
  }

  std::vector<int64_t> targets;
  std::vector<torch::Tensor> states;
  for (int64_t r = 0; r < rows; ++r) {
    const auto& c = group.continuations[static_cast<size_t>(r)];
    targets.insert(targets.end(), c.begin(), c.end());
    states.push_back(last);
    if (c.size() > 1) states.push_back(rest_hidden[r].narrow(0, 0, static_cast<int64_t>(c.size()) - 1));
  }
  std::vector<double> logprobs;
  std::vector<bool> greedy;
  score_positions(model, torch::cat(states, 0), targets, logprobs, greedy);
  std::vector<Loglikelihood> out;
  size_t at = 0;
  for (const auto& c : group.continuations) {
    out.push_back(summed(logprobs, greedy, at, at + c.size()));
    at += c.size();
  }
  return out;
}

// A (context, continuation) pair as the harness feeds it: the last
// block_size + 1 tokens, less the final one.
struct Sequence {
  size_t group, index;
  std::vector<int64_t> input;
  std::vector<int64_t> continuation;
};

// Sequences longest first, batched up to the token budget, right-padded.
void score_sequences(models::GPT& model, std::vector<Sequence> sequences, const ScoringOptions& options,
                     c10::Device device, std::vector<std::vector<Loglikelihood>>& results, int64_t done,
                     int64_t total) {
  std::stable_sort(sequences.begin(), sequences.end(),
                   [](const Sequence& a, const Sequence& b) { return a.input.size() > b.input.size(); });
  for (size_t start = 0; start < sequences.size();) {
    const auto width = static_cast<int64_t>(sequences[start].input.size());
    const size_t rows = static_cast<size_t>(std::max<int64_t>(1, options.batch_tokens / width));
    const size_t end = std::min(sequences.size(), start + rows);
    std::vector<int64_t> tokens(static_cast<size_t>((end - start) * width), 0);
    for (size_t r = start; r < end; ++r)
      std::copy(sequences[r].input.begin(), sequences[r].input.end(), tokens.begin() + (r - start) * width);
    const auto hidden = model->forward_hidden(
        torch::tensor(tokens, torch::kLong).view({static_cast<int64_t>(end - start), width}).to(device));
    std::vector<int64_t> targets;
    std::vector<torch::Tensor> states;
    for (size_t r = start; r < end; ++r) {
      const auto& s = sequences[r];
      const auto n = static_cast<int64_t>(s.continuation.size());
      states.push_back(hidden[static_cast<int64_t>(r - start)].narrow(0, static_cast<int64_t>(s.input.size()) - n, n));
      targets.insert(targets.end(), s.continuation.begin(), s.continuation.end());
    }
    std::vector<double> logprobs;
    std::vector<bool> greedy;
    score_positions(model, torch::cat(states, 0), targets, logprobs, greedy);
    size_t at = 0;
    for (size_t r = start; r < end; ++r) {
      const auto& s = sequences[r];
      results[s.group][s.index] = summed(logprobs, greedy, at, at + s.continuation.size());
      at += s.continuation.size();
    }
    done += static_cast<int64_t>(end - start);
    if (options.on_progress) options.on_progress(done, total);
    start = end;
  }
}

}  // namespace

std::vector<std::vector<Loglikelihood>> score_groups(models::GPT& model, const std::vector<ScoreGroup>& groups,
                                                      const ScoringOptions& options) {
  torch::NoGradGuard no_grad;
  const bool was_training = model->is_training();
  model->eval();  // no dropout
  const auto device = model->parameters().front().device();
  const auto block = model->config.block_size;
  std::vector<std::vector<Loglikelihood>> results(groups.size());
  std::vector<Sequence> sequences;
  int64_t total = 0, done = 0;
  for (const auto& group : groups) total += static_cast<int64_t>(group.continuations.size());
  for (size_t g = 0; g < groups.size(); ++g) {
    const auto& group = groups[g];
    if (group.context.empty()) throw std::invalid_argument("a scoring request has an empty context");
    size_t longest = 0;
    for (const auto& c : group.continuations) {
      if (c.empty()) throw std::invalid_argument("a scoring request has an empty continuation");
      longest = std::max(longest, c.size());
    }
    results[g].resize(group.continuations.size());
    const bool fits = static_cast<int64_t>(group.context.size() + longest) - 1 <= block;
    if (group.continuations.size() > 1 && fits) {
      results[g] = score_shared_context(model, group, device);
      done += static_cast<int64_t>(group.continuations.size());
      if (options.on_progress) options.on_progress(done, total);
      continue;
    }
    for (size_t i = 0; i < group.continuations.size(); ++i) {
      const auto& c = group.continuations[i];
      if (static_cast<int64_t>(c.size()) > block)
        throw std::invalid_argument("a continuation of " + std::to_string(c.size()) +
                                    " tokens is longer than block_size " + std::to_string(block));
      std::vector<int64_t> whole(group.context);
      whole.insert(whole.end(), c.begin(), c.end());
      const size_t keep = std::min(whole.size(), static_cast<size_t>(block) + 1);
      std::vector<int64_t> input(whole.end() - static_cast<std::ptrdiff_t>(keep), whole.end() - 1);
      sequences.push_back({g, i, std::move(input), c});
    }
  }
  score_sequences(model, std::move(sequences), options, device, results, done, total);
  model->train(was_training);
  return results;
}

}  // namespace anvil::benchmarks
