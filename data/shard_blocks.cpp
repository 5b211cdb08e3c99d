#include "data/shard_blocks.h"

#include <algorithm>
#include <stdexcept>

namespace anvil::data {

Packing packing_from_name(const std::string& name) {
  if (name == "concat") return Packing::kConcat;
  if (name == "document_masked") return Packing::kDocumentMasked;
  throw std::invalid_argument("unknown packing '" + name + "': expected concat or document_masked");
}

ShardBlocks::ShardBlocks(std::vector<std::shared_ptr<const TokenShard>> shards, int64_t block_size, Packing packing,
                         int64_t stride)
    : shards_(std::move(shards)), block_size_(block_size), stride_(stride > 0 ? stride : block_size),
      packing_(packing), first_block_{0} {
  if (block_size < 1) throw std::invalid_argument("block size must be positive");
  for (const auto& shard : shards_) {
    const int64_t blocks = shard->size() > block_size ? (shard->size() - block_size - 1) / stride_ + 1 : 0;
    first_block_.push_back(first_block_.back() + blocks);
  }
  if (size() == 0)
    throw std::invalid_argument(std::to_string(shards_.size()) + " shard(s) holding " + std::to_string(tokens()) +
                                " tokens: too few for one block of " + std::to_string(block_size) +
                                " (a shard needs block size + 1 tokens)");
}

int64_t ShardBlocks::tokens() const {
  int64_t n = 0;
  for (const auto& shard : shards_) n += shard->size();
  return n;
}

int64_t ShardBlocks::unused_tokens() const {
  int64_t n = 0;
  for (size_t s = 0; s < shards_.size(); ++s) {
    const int64_t blocks = first_block_[s + 1] - first_block_[s];
    n += shards_[s]->size() - (blocks > 0 ? (blocks - 1) * stride_ + block_size_ + 1 : 0);
  }
  return n;
}

int64_t ShardBlocks::text_bytes() const {
  int64_t n = 0;
  for (const auto& shard : shards_) n += static_cast<int64_t>(shard->header().text_bytes);
  return n;
}

torch::Tensor ShardBlocks::stream() const {
  auto out = torch::empty({tokens()}, torch::kLong);
  int64_t offset = 0;
  for (const auto& shard : shards_) {
    shard->read(0, shard->size(), out.data_ptr<int64_t>() + offset);
    offset += shard->size();
  }
  return out;
}

void ShardBlocks::read_block(int64_t block, int64_t* tokens, int64_t* segments) const {
  const auto s = static_cast<size_t>(std::upper_bound(first_block_.begin(), first_block_.end(), block) -
                                     first_block_.begin() - 1);
  const TokenShard& shard = *shards_[s];
  const int64_t start = (block - first_block_[s]) * stride_, length = block_size_ + 1;
  shard.read(start, length, tokens);
  if (!segments) return;
  int64_t document = shard.document_of(start), next_start = shard.document_start(document + 1), segment = 0;
  for (int64_t t = 0; t < length; ++t) {
    while (start + t >= next_start) {
      ++segment;
      next_start = shard.document_start(++document + 1);
    }
    segments[t] = segment;
  }
}

Batch ShardBlocks::gather(const std::vector<int64_t>& block_ids) const {
  const auto rows = static_cast<int64_t>(block_ids.size()), length = block_size_ + 1;
  const bool masked = packing_ == Packing::kDocumentMasked;
  auto tokens = torch::empty({rows, length}, torch::kLong);
  auto segments = masked ? torch::empty({rows, length}, torch::kLong) : torch::Tensor();
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t id = block_ids[static_cast<size_t>(r)];
    if (id < 0 || id >= size()) throw std::out_of_range("block " + std::to_string(id) + " of " + std::to_string(size()));
    read_block(id, tokens.data_ptr<int64_t>() + r * length, masked ? segments.data_ptr<int64_t>() + r * length : nullptr);
  }
  // Copies, not views: the targets are edited below, and one row's views would
  // count as contiguous and share the buffer with the inputs.
  Batch batch{tokens.narrow(1, 0, block_size_).clone(), tokens.narrow(1, 1, block_size_).clone(), {}};
  if (masked) {
    batch.segments = segments.narrow(1, 0, block_size_).clone();
    // A target that starts the next document cannot be predicted from this one.
    const auto crosses = segments.narrow(1, 1, block_size_) != batch.segments;
    batch.targets.masked_fill_(crosses, kIgnoreIndex);
  }
  return batch;
}

}  // namespace anvil::data
