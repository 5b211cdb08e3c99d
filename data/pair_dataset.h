#pragma once
// Preference pairs batched for one forward of both responses: a batch of P
// pairs is 2P rows, the chosen responses first and the rejected ones after
// them in the same order, padded on the right to the longest row
// (data::Batch::pair_ids says which pairs). It can hold each pair's reference
// log-probabilities, computed once, and hands them out with the batch.
#include <vector>

#include "data/block_dataset.h"
#include "data/example_dataset.h"
#include "data/preference_pairs.h"

namespace anvil::data {

class PairDataset final : public BlockDataset {
 public:
  // Every row must be no longer than block_size and carry a target.
  PairDataset(std::vector<PairExample> pairs, int64_t block_size, int32_t pad_id);

  int64_t size() const override { return rows_.size() / 2; }  // pairs
  int64_t block_size() const override { return rows_.block_size(); }
  Batch gather(const std::vector<int64_t>& pair_ids) const override;

  // float [size(), 2]: each pair's chosen and rejected reference log-probability.
  void set_reference_logps(torch::Tensor logps);
  bool has_reference_logps() const { return reference_.defined(); }

 private:
  static std::vector<Example> rows_of(std::vector<PairExample> pairs);
  ExampleDataset rows_;  // pair i: chosen at row i, rejected at row size() + i
  torch::Tensor reference_;
};

}  // namespace anvil::data
