#include "data/pair_dataset.h"

#include <stdexcept>

namespace anvil::data {

std::vector<Example> PairDataset::rows_of(std::vector<PairExample> pairs) {
  std::vector<Example> rows(2 * pairs.size());
  for (size_t i = 0; i < pairs.size(); ++i) {
    rows[i] = std::move(pairs[i].chosen);
    rows[pairs.size() + i] = std::move(pairs[i].rejected);
  }
  return rows;
}

PairDataset::PairDataset(std::vector<PairExample> pairs, int64_t block_size, int32_t pad_id)
    : rows_(rows_of(std::move(pairs)), block_size, /*pack=*/false, pad_id) {}

Batch PairDataset::gather(const std::vector<int64_t>& pair_ids) const {
  const int64_t n = size();
  std::vector<int64_t> rows(pair_ids);
  for (const int64_t id : pair_ids) rows.push_back(n + id);
  Batch batch = rows_.gather(rows);
  batch.pair_ids = torch::tensor(pair_ids, torch::kLong);
  if (reference_.defined()) batch.reference_logps = reference_.index_select(0, batch.pair_ids).t().reshape({-1}).contiguous();
  return batch;
}

void PairDataset::set_reference_logps(torch::Tensor logps) {
  if (logps.dim() != 2 || logps.size(0) != size() || logps.size(1) != 2)
    throw std::invalid_argument("reference log-probabilities must be [pairs, 2]");
  reference_ = logps.to(torch::kFloat).contiguous();
}

}  // namespace anvil::data
