#pragma once
// The training loader: batches drawn by a MixtureSampler from one or more
// block datasets, assembled ahead of time on a background thread so the
// training step never waits for data. Each batch comes with the sampler's
// cursor after it; saving that cursor and rebuilding the loader from it gives
// exactly the batches an uninterrupted run would have seen next.
#include <condition_variable>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "data/block_dataset.h"
#include "data/mixture_sampler.h"

namespace anvil::data {

struct LoadedBatch {
  Batch batch;
  MixtureCursor cursor;  // the sampler's state once this batch was drawn
};

class BatchLoader {
 public:
  // `prefetch`: batches kept ready ahead of the consumer (0: assemble each on
  // demand, on the caller's thread).
  BatchLoader(std::vector<std::shared_ptr<const BlockDataset>> sources, std::vector<double> weights,
              int64_t batch_size, uint64_t seed, const MixtureCursor& cursor, int64_t prefetch);
  ~BatchLoader();
  BatchLoader(const BatchLoader&) = delete;
  BatchLoader& operator=(const BatchLoader&) = delete;

  // Rethrows, on the caller's thread, an error the background thread hit.
  LoadedBatch next();

 private:
  LoadedBatch assemble();
  void produce();

  std::vector<std::shared_ptr<const BlockDataset>> sources_;
  int64_t batch_size_;
  MixtureSampler sampler_;
  size_t capacity_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<LoadedBatch> ready_;
  std::exception_ptr error_;
  bool stopping_ = false;
  std::thread worker_;
};

}  // namespace anvil::data
