#pragma once
// Seeded, shuffled batching over N items with a resumable cursor: the batches
// depend only on (seed, epoch, position), so a run restored from a cursor sees
// exactly the batches an uninterrupted run would have seen.
#include <cstdint>
#include <vector>

namespace anvil::data {

struct SamplerCursor {
  int64_t epoch = 0;
  int64_t position = 0;  // items of this epoch already handed out
};

class ShuffledBatchSampler {
 public:
  ShuffledBatchSampler(int64_t num_items, int64_t batch_size, uint64_t seed, SamplerCursor cursor = {});

  // The next batch of item indices. An epoch's last partial batch is dropped so
  // every batch has the same shape; the next epoch is a fresh permutation.
  std::vector<int64_t> next();
  const SamplerCursor& cursor() const { return cursor_; }
  int64_t batches_per_epoch() const { return num_items_ / batch_size_; }

 private:
  void shuffle_for_epoch();

  int64_t num_items_;
  int64_t batch_size_;
  uint64_t seed_;
  SamplerCursor cursor_;
  std::vector<int64_t> order_;
};

}  // namespace anvil::data
