#include "data/example_dataset.h"

#include <algorithm>
#include <stdexcept>

namespace anvil::data {

ExampleDataset::ExampleDataset(std::vector<Example> examples, int64_t block_size, bool pack, int32_t pad_id)
    : examples_(std::move(examples)), block_size_(block_size), pack_(pack), pad_id_(pad_id) {
  if (examples_.empty()) throw std::invalid_argument("no examples");
  int64_t used = block_size;  // forces a new row for the first example
  for (size_t i = 0; i < examples_.size(); ++i) {
    const auto length = static_cast<int64_t>(examples_[i].inputs.size());
    if (length > block_size || length == 0)
      throw std::invalid_argument("example " + std::to_string(i) + " has " + std::to_string(length) +
                                  " tokens: not within 1..block_size (" + std::to_string(block_size) + ")");
    if (!pack || used + length > block_size) {
      rows_.emplace_back();
      used = 0;
    }
    rows_.back().push_back(i);
    used += length;
  }
}

Batch ExampleDataset::gather(const std::vector<int64_t>& row_ids) const {
  std::vector<int64_t> lengths;
  for (const int64_t r : row_ids) {
    int64_t length = 0;
    for (const size_t e : rows_.at(static_cast<size_t>(r))) length += static_cast<int64_t>(examples_[e].inputs.size());
    lengths.push_back(length);
  }
  const int64_t B = static_cast<int64_t>(row_ids.size()), T = *std::max_element(lengths.begin(), lengths.end());
  auto inputs = torch::full({B, T}, pad_id_, torch::kLong);
  auto targets = torch::full({B, T}, kIgnoreIndex, torch::kLong);
  // Pads form a segment of their own, after the row's last example.
  auto segments = pack_ ? torch::full({B, T}, static_cast<int64_t>(examples_.size()), torch::kLong) : torch::Tensor();
  auto in = inputs.accessor<int64_t, 2>(), out = targets.accessor<int64_t, 2>();
  for (int64_t b = 0; b < B; ++b) {
    int64_t t = 0, segment = 0;
    for (const size_t e : rows_[static_cast<size_t>(row_ids[static_cast<size_t>(b)])]) {
      const Example& ex = examples_[e];
      for (size_t i = 0; i < ex.inputs.size(); ++i, ++t) {
        in[b][t] = ex.inputs[i];
        out[b][t] = ex.targets[i];
      }
      if (pack_) segments[b].narrow(0, t - static_cast<int64_t>(ex.inputs.size()), static_cast<int64_t>(ex.inputs.size())).fill_(segment);
      ++segment;
    }
  }
  return {inputs, targets, segments};
}

}  // namespace anvil::data
