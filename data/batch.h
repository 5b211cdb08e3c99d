#pragma once
#include <torch/types.h>

namespace anvil::data {

// Target value that carries no loss (matches cross_entropy's default ignore_index).
constexpr int64_t kIgnoreIndex = -100;

// One batch of token sequences: inputs[b, t] predicts targets[b, t] (both int64 [B, T]).
struct Batch {
  torch::Tensor inputs;
  torch::Tensor targets;
};

}  // namespace anvil::data
