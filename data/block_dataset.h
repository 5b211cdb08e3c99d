#pragma once
// What the loader and evaluation need from a packed dataset: a number of
// fixed-length blocks, fetched in any order as batches.
#include <numeric>
#include <vector>

#include "data/batch.h"

namespace anvil::data {

class BlockDataset {
 public:
  virtual ~BlockDataset() = default;
  virtual int64_t size() const = 0;
  virtual int64_t block_size() const = 0;
  virtual Batch gather(const std::vector<int64_t>& block_ids) const = 0;
  // Blocks [first, first + count) in order, for evaluation.
  virtual Batch range(int64_t first, int64_t count) const {
    std::vector<int64_t> ids(static_cast<size_t>(count));
    std::iota(ids.begin(), ids.end(), first);
    return gather(ids);
  }
};

}  // namespace anvil::data
