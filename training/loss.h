#pragma once
#include <torch/types.h>

namespace anvil::training {

// Summed cross-entropy over the targets that carry loss (targets equal to
// data::kIgnoreIndex carry none): next tokens, or class labels. Callers divide
// by the target count of the whole optimizer step, so gradient accumulation
// weighs every target equally. `class_weights` [K] scales each class's terms.
torch::Tensor summed_token_loss(const torch::Tensor& logits, const torch::Tensor& targets,
                                double label_smoothing = 0.0, const torch::Tensor& class_weights = {});

int64_t count_loss_tokens(const torch::Tensor& targets);

}  // namespace anvil::training
