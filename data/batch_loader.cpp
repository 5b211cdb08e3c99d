#include "data/batch_loader.h"

#include <stdexcept>
#include <string>

namespace anvil::data {
namespace {

std::vector<int64_t> sizes_of(const std::vector<std::shared_ptr<const BlockDataset>>& sources) {
  std::vector<int64_t> sizes;
  for (const auto& s : sources) sizes.push_back(s->size());
  return sizes;
}

}  // namespace

BatchLoader::BatchLoader(std::vector<std::shared_ptr<const BlockDataset>> sources, std::vector<double> weights,
                         int64_t batch_size, uint64_t seed, const MixtureCursor& cursor, int64_t prefetch,
                         BatchPart part)
    : sources_(std::move(sources)), batch_size_(batch_size), part_(part),
      sampler_(sizes_of(sources_), std::move(weights), seed, cursor) {
  if (batch_size < 1) throw std::invalid_argument("batch size must be positive");
  if (part.count < 1 || part.index < 0 || part.index >= part.count || batch_size % part.count != 0)
    throw std::invalid_argument("a batch of " + std::to_string(batch_size) + " rows does not split into " +
                                std::to_string(part.count) + " equal parts");
  if (prefetch > 0)
    ahead_ = std::make_unique<common::Prefetcher<LoadedBatch>>(static_cast<size_t>(prefetch), [this] { return assemble(); });
}

LoadedBatch BatchLoader::assemble() {
  // Draw the whole batch, so the sampler advances as in every part, and keep this part's rows.
  const int64_t rows = batch_size_ / part_.count, first = part_.index * rows;
  std::vector<std::pair<size_t, int64_t>> picks;
  for (int64_t i = 0; i < batch_size_; ++i) {
    const auto pick = sampler_.next();
    if (i >= first && i < first + rows) picks.push_back(pick);
  }
  LoadedBatch out{{}, sampler_.cursor()};
  bool one_source = true;
  std::vector<int64_t> ids;
  for (const auto& [source, block] : picks) {
    one_source &= source == picks.front().first;
    ids.push_back(block);
  }
  if (one_source) {
    out.batch = sources_[picks.front().first]->gather(ids);
    return out;
  }
  // Rows from several sources: fetch each row, then stack them in draw order.
  std::vector<torch::Tensor> inputs, targets, segments;
  for (const auto& [source, block] : picks) {
    Batch row = sources_[source]->gather({block});
    inputs.push_back(row.inputs);
    targets.push_back(row.targets);
    if (row.segments.defined()) segments.push_back(row.segments);
  }
  out.batch = {torch::cat(inputs), torch::cat(targets), segments.empty() ? torch::Tensor() : torch::cat(segments)};
  return out;
}

LoadedBatch BatchLoader::next() { return ahead_ ? ahead_->next() : assemble(); }

}  // namespace anvil::data
