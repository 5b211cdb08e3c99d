#pragma once
#include <torch/types.h>

namespace anvil::data {

// Target value that carries no loss (matches cross_entropy's default ignore_index).
constexpr int64_t kIgnoreIndex = -100;

// One batch of token sequences: inputs[b, t] predicts targets[b, t] (both int64 [B, T]).
struct Batch {
  torch::Tensor inputs;
  torch::Tensor targets;
  // Document-masked packing only: int64 [B, T], which document of its row
  // each token belongs to (0, 1, ...). Tokens attend only within their
  // document, and positions restart at each one. Undefined: one stream.
  torch::Tensor segments;
  // Preference pairs only (task dpo): rows [0, P) hold the chosen responses
  // of P pairs and rows [P, 2P) the rejected ones, in the same order. int64
  // [P]: each pair's index in its dataset. Undefined: not pairs.
  torch::Tensor pair_ids;
  // Pairs only: the reference model's log-probability of each row's targets,
  // float [2P] on the host; undefined until a reference stage fills it.
  torch::Tensor reference_logps;
};

}  // namespace anvil::data
