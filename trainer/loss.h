#pragma once
#include <torch/types.h>

namespace anvil::trainer {

// Summed next-token cross-entropy over the targets that carry loss (targets equal
// to data::kIgnoreIndex carry none). Callers divide by the token count of the
// whole optimizer step, so gradient accumulation weighs every token equally.
torch::Tensor summed_token_loss(const torch::Tensor& logits, const torch::Tensor& targets,
                                double label_smoothing = 0.0);

int64_t count_loss_tokens(const torch::Tensor& targets);

}  // namespace anvil::trainer
