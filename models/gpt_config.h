#pragma once
// Plain description of a decoder-only Transformer; models/ never sees YAML.
#include <cstdint>

namespace anvil::models {

enum class PositionEncoding { kLearned, kSinusoidal };

struct GPTConfig {
  int64_t vocab_size = 0;
  int64_t block_size = 0;  // longest sequence the model accepts
  int64_t n_layer = 0;
  int64_t n_head = 0;
  int64_t n_embd = 0;
  double dropout = 0.0;
  bool bias = true;  // biases in Linear and LayerNorm
  PositionEncoding position = PositionEncoding::kLearned;
};

}  // namespace anvil::models
