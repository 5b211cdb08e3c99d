#include "trainer/evaluate.h"

#include <algorithm>
#include <cmath>

#include <torch/csrc/autograd/grad_mode.h>

#include "trainer/loss.h"

namespace anvil::trainer {

EvalResult evaluate(models::GPT& model, const data::TokenBlocks& blocks, int64_t batch_size, int64_t max_batches,
                    c10::Device device) {
  const bool was_training = model->is_training();
  model->eval();
  torch::NoGradGuard no_grad;
  auto loss_sum = torch::zeros({}, torch::TensorOptions().dtype(torch::kDouble).device(device));
  int64_t tokens = 0, batches = 0;
  for (int64_t first = 0; first < blocks.size() && (max_batches == 0 || batches < max_batches); ++batches) {
    const int64_t count = std::min(batch_size, blocks.size() - first);
    const auto batch = blocks.range(first, count);
    const auto targets = batch.targets.to(device);
    loss_sum += summed_token_loss(model->forward(batch.inputs.to(device)), targets).to(torch::kDouble);
    tokens += count_loss_tokens(targets);
    first += count;
  }
  model->train(was_training);
  EvalResult result;
  result.tokens = tokens;
  result.loss = loss_sum.item<double>() / static_cast<double>(std::max<int64_t>(1, tokens));
  result.perplexity = std::exp(result.loss);
  return result;
}

}  // namespace anvil::trainer
