#pragma once
// Packing: a token stream cut into fixed-length blocks for causal-LM training.
// Block i reads tokens [i*S, i*S + T) and predicts tokens [i*S + 1, i*S + T]
// for block size T and stride S. S = T tiles the stream; S < T gives
// overlapping windows (S = 1: every offset, as nanoGPT samples). Blocks are
// views of the stream, so overlap costs no memory.
#include <vector>

#include "data/block_dataset.h"

namespace anvil::data {

class TokenBlocks final : public BlockDataset {
 public:
  // `tokens`: 1-D integer tensor; needs at least block_size + 1 tokens.
  // stride 0 means stride = block_size.
  TokenBlocks(const torch::Tensor& tokens, int64_t block_size, int64_t stride = 0);

  int64_t size() const override { return inputs_.size(0); }
  int64_t block_size() const override { return inputs_.size(1); }
  Batch gather(const std::vector<int64_t>& block_ids) const override;
  Batch range(int64_t first, int64_t count) const override;

 private:
  torch::Tensor inputs_;   // [num_blocks, T] view of the stream
  torch::Tensor targets_;  // the same view shifted by one token
};

// Splits a stream at fraction (1 - val_fraction): {train, val}.
std::pair<torch::Tensor, torch::Tensor> split_tokens(const torch::Tensor& tokens, double val_fraction);

}  // namespace anvil::data
