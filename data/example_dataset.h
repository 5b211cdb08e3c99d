#pragma once
// Fine-tuning examples batched for training, in one of two layouts:
//   pad   one example per row, padded on the right to the longest row of the
//         batch (pads carry no loss; causal attention keeps them from
//         affecting real tokens).
//   pack  examples laid end to end into rows of up to block_size tokens, in
//         order, each row carrying segments so no example attends to another.
#include <vector>

#include "data/block_dataset.h"
#include "data/examples.h"

namespace anvil::data {

class ExampleDataset final : public BlockDataset {
 public:
  // Every example must be no longer than block_size and carry a target.
  ExampleDataset(std::vector<Example> examples, int64_t block_size, bool pack, int32_t pad_id);

  int64_t size() const override { return static_cast<int64_t>(rows_.size()); }
  int64_t block_size() const override { return block_size_; }
  Batch gather(const std::vector<int64_t>& row_ids) const override;
  const std::vector<Example>& examples() const { return examples_; }

 private:
  std::vector<Example> examples_;
  std::vector<std::vector<size_t>> rows_;  // the examples of each row, in order
  int64_t block_size_;
  bool pack_;
  int32_t pad_id_;
};

}  // namespace anvil::data
