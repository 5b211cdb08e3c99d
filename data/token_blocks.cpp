#include "data/token_blocks.h"

#include <stdexcept>
#include <string>

namespace anvil::data {

TokenBlocks::TokenBlocks(const torch::Tensor& tokens, int64_t block_size, int64_t stride) {
  if (tokens.dim() != 1) throw std::invalid_argument("token stream must be 1-D");
  if (block_size < 1) throw std::invalid_argument("block size must be positive");
  if (stride < 0) throw std::invalid_argument("stride must not be negative");
  if (tokens.size(0) < block_size + 1)
    throw std::invalid_argument("a stream of " + std::to_string(tokens.size(0)) +
                                " tokens is too short for one block of " + std::to_string(block_size) +
                                " (needs block size + 1 tokens)");
  const auto stream = tokens.to(torch::kLong).contiguous();
  const int64_t step = stride > 0 ? stride : block_size;
  inputs_ = stream.narrow(0, 0, stream.size(0) - 1).unfold(0, block_size, step);
  targets_ = stream.narrow(0, 1, stream.size(0) - 1).unfold(0, block_size, step);
}

Batch TokenBlocks::gather(const std::vector<int64_t>& block_ids) const {
  const auto index = torch::tensor(block_ids, torch::kLong);
  return {inputs_.index_select(0, index), targets_.index_select(0, index), {}};
}

Batch TokenBlocks::range(int64_t first, int64_t count) const {
  return {inputs_.narrow(0, first, count), targets_.narrow(0, first, count), {}};
}

std::pair<torch::Tensor, torch::Tensor> split_tokens(const torch::Tensor& tokens, double val_fraction) {
  if (val_fraction <= 0.0 || val_fraction >= 1.0)
    throw std::invalid_argument("validation fraction must be in (0, 1)");
  const int64_t n = tokens.size(0);
  const auto n_train = static_cast<int64_t>(static_cast<double>(n) * (1.0 - val_fraction));
  return {tokens.narrow(0, 0, n_train), tokens.narrow(0, n_train, n - n_train)};
}

}  // namespace anvil::data
