#include "training/loss.h"

#include <ATen/core/Reduction.h>
#include <ATen/ops/cross_entropy_loss.h>

#include "data/batch.h"

namespace anvil::training {

torch::Tensor summed_token_loss(const torch::Tensor& logits, const torch::Tensor& targets, double label_smoothing,
                                const torch::Tensor& class_weights) {
  const int64_t vocab = logits.size(-1);
  const std::optional<torch::Tensor> weight =
      class_weights.defined() ? std::optional<torch::Tensor>(class_weights.to(logits.device())) : std::nullopt;
  return at::cross_entropy_loss(logits.reshape({-1, vocab}).to(torch::kFloat), targets.reshape({-1}), weight,
                                at::Reduction::Sum, data::kIgnoreIndex, label_smoothing);
}

int64_t count_loss_tokens(const torch::Tensor& targets) { return targets.ne(data::kIgnoreIndex).sum().item<int64_t>(); }

}  // namespace anvil::training
