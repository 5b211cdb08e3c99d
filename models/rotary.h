#pragma once
// Rotary position embeddings (Su et al., RoFormer) in the "rotate half"
// layout of Hugging Face Llama: dimension i rotates with i + head_dim/2.
#include <torch/types.h>

#include "models/gpt_config.h"

namespace anvil::models {

struct RotaryTables {
  torch::Tensor cos;  // [length, head_dim]
  torch::Tensor sin;
};

// Positions 0..length-1 with frequencies theta^(-2i/head_dim), stretched as
// `scaling` says (Hugging Face's linear, llama3 and yarn rope types).
RotaryTables rotary_tables(int64_t length, int64_t head_dim, double theta, const RopeScaling& scaling = {});

// Rotates x [B, heads, T, head_dim], whose tokens sit at positions offset + t.
torch::Tensor apply_rotary(const torch::Tensor& x, const RotaryTables& tables, int64_t offset);
// The same with each token's own position: positions is int64 [B, T].
torch::Tensor apply_rotary(const torch::Tensor& x, const RotaryTables& tables, const torch::Tensor& positions);

}  // namespace anvil::models
