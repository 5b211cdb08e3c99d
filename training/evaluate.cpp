#include "training/evaluate.h"

#include <algorithm>
#include <cmath>

#include <torch/csrc/autograd/grad_mode.h>

#include "data/batch.h"
#include "training/batch_loss.h"
#include "training/loss.h"

namespace anvil::training {
namespace {

// The blocks validation scores: all of them, or with max_batches an evenly
// spaced subset, so a partial validation covers every source and all of each
// (not only the first), and scores the same blocks every time.
std::vector<int64_t> scored_blocks(int64_t size, int64_t batch_size, int64_t max_batches) {
  const int64_t count = max_batches > 0 ? std::min(size, max_batches * batch_size) : size;
  std::vector<int64_t> ids(static_cast<size_t>(count));
  for (int64_t i = 0; i < count; ++i) ids[static_cast<size_t>(i)] = i * size / count;
  return ids;
}

}  // namespace

EvalResult evaluate(models::GPT& model, const data::BlockDataset& blocks, int64_t batch_size, int64_t max_batches,
                    c10::Device device) {
  const bool was_training = model->is_training();
  model->eval();
  torch::NoGradGuard no_grad;
  auto loss_sum = torch::zeros({}, torch::TensorOptions().dtype(torch::kDouble).device(device));
  int64_t tokens = 0;
  const auto ids = scored_blocks(blocks.size(), batch_size, max_batches);
  for (size_t first = 0; first < ids.size(); first += static_cast<size_t>(batch_size)) {
    const size_t last = std::min(ids.size(), first + static_cast<size_t>(batch_size));
    const auto batch = blocks.gather({ids.begin() + first, ids.begin() + last});
    // The chunked head, as in training: never the whole [tokens, vocab] logits.
    loss_sum += summed_batch_loss(model, batch, device, {}).to(torch::kDouble);
    tokens += count_loss_tokens(batch.targets);  // on the host: no wait for the device
  }
  model->train(was_training);
  EvalResult result;
  result.tokens = tokens;
  result.loss = loss_sum.item<double>() / static_cast<double>(std::max<int64_t>(1, tokens));
  result.perplexity = std::exp(result.loss);
  return result;
}

EvalResult evaluate_sliding(models::GPT& model, const torch::Tensor& tokens, int64_t max_length, int64_t stride,
                            c10::Device device) {
  const bool was_training = model->is_training();
  model->eval();
  torch::NoGradGuard no_grad;
  const int64_t n = tokens.size(0);
  double loss_sum = 0;
  int64_t scored = 0, prev_end = 0;
  for (int64_t begin = 0; prev_end < n; begin += stride) {
    const int64_t end = std::min(begin + max_length, n);
    const auto window = tokens.slice(0, begin, end).to(device, torch::kLong);
    auto targets = window.slice(0, 1).clone();
    // Target j (token begin + 1 + j) was scored by an earlier window if it lies before prev_end.
    const int64_t already = std::max<int64_t>(0, prev_end - (begin + 1));
    targets.slice(0, 0, already).fill_(data::kIgnoreIndex);
    const auto logits = model->forward(window.slice(0, 0, end - begin - 1).unsqueeze(0));
    loss_sum += summed_token_loss(logits, targets.unsqueeze(0)).item<double>();
    scored += count_loss_tokens(targets);
    prev_end = end;
  }
  model->train(was_training);
  EvalResult result;
  result.tokens = scored;
  result.loss = loss_sum / static_cast<double>(std::max<int64_t>(1, scored));
  result.perplexity = std::exp(result.loss);
  return result;
}

}  // namespace anvil::training
