#pragma once
// Packing token shards into fixed-length blocks for causal-LM training,
// reading straight from the memory-mapped files. Block i of a shard covers
// tokens [i*S, i*S + T] (T + 1 tokens: the inputs and, shifted by one, the
// targets) for block size T and stride S; a block never spans two shards.
//
//   concat           documents follow each other (each ended by EOS), as in
//                    GPT-2 and nanoGPT: attention runs across boundaries.
//   document_masked  the same blocks, but a token attends only to earlier
//                    tokens of its own document, positions restart at each
//                    document, and no target crosses a boundary.
#include <memory>
#include <vector>

#include "data/block_dataset.h"
#include "data/packing.h"
#include "data/token_shard.h"

namespace anvil::data {

class ShardBlocks final : public BlockDataset {
 public:
  // stride 0 means stride = block_size. Throws when the shards hold no block.
  ShardBlocks(std::vector<std::shared_ptr<const TokenShard>> shards, int64_t block_size, Packing packing,
              int64_t stride = 0);

  int64_t size() const override { return first_block_.back(); }
  int64_t block_size() const override { return block_size_; }
  Batch gather(const std::vector<int64_t>& block_ids) const override;

  int64_t tokens() const;
  // Tokens no block reaches: the tail of each shard shorter than a step
  // (blocks never span shards), and all of a shard shorter than a block.
  int64_t unused_tokens() const;
  int64_t text_bytes() const;
  // Every token of every shard in order, for sliding-window evaluation.
  torch::Tensor stream() const;

 private:
  // Fills row `row` of the [B, T + 1] token buffer and, when masking, of the
  // [B, T + 1] segment buffer with block `block`.
  void read_block(int64_t block, int64_t* tokens, int64_t* segments) const;

  std::vector<std::shared_ptr<const TokenShard>> shards_;
  int64_t block_size_, stride_;
  Packing packing_;
  std::vector<int64_t> first_block_;  // first_block_[s]: index of shard s's first block; back(): total
};

}  // namespace anvil::data
