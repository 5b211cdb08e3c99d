#pragma once
// The training loader: batches drawn by a MixtureSampler from one or more
// block datasets, assembled ahead of time on a background thread so the
// training step never waits for data. Each batch comes with the sampler's
// cursor after it; saving that cursor and rebuilding the loader from it gives
// exactly the batches an uninterrupted run would have seen next.
//
// Data-parallel ranks each run a loader over the same sampler sequence (the
// global batch) and assemble only their own part of every batch's rows, so
// the cursor means the same at every world size.
#include <memory>
#include <vector>

#include "common/prefetcher.h"
#include "data/block_dataset.h"
#include "data/mixture_sampler.h"

namespace anvil::data {

// Part `index` of `count` equal parts of each batch's rows.
struct BatchPart {
  int64_t index = 0;
  int64_t count = 1;
};

struct LoadedBatch {
  Batch batch;
  MixtureCursor cursor;  // the sampler's state once this batch was drawn
};

class BatchLoader {
 public:
  // `batch_size`: rows per batch over all parts. `prefetch`: batches kept
  // ready ahead of the consumer (0: assemble each on demand, on the caller's thread).
  BatchLoader(std::vector<std::shared_ptr<const BlockDataset>> sources, std::vector<double> weights,
              int64_t batch_size, uint64_t seed, const MixtureCursor& cursor, int64_t prefetch, BatchPart part = {});
  BatchLoader(const BatchLoader&) = delete;
  BatchLoader& operator=(const BatchLoader&) = delete;

  // Rethrows, on the caller's thread, an error the background thread hit.
  LoadedBatch next();

 private:
  LoadedBatch assemble();

  std::vector<std::shared_ptr<const BlockDataset>> sources_;
  int64_t batch_size_;
  BatchPart part_;
  MixtureSampler sampler_;
  std::unique_ptr<common::Prefetcher<LoadedBatch>> ahead_;  // null without prefetch; last: it calls assemble()
};

}  // namespace anvil::data
