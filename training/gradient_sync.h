#pragma once
// Sums gradients over the ranks of a data-parallel run with c10d's Reducer,
// the engine behind PyTorch's DistributedDataParallel: parameters are grouped
// into buckets, and each bucket is all-reduced as soon as backward has
// produced all its gradients, so communication overlaps the rest of backward.
#include <memory>
#include <vector>

#include <ATen/core/Tensor.h>

namespace c10d {
class Reducer;
}

namespace anvil::training {

class Communicator;

class GradientSync {
 public:
  // `params`: the trainable parameters, all of which get a gradient every step.
  GradientSync(const std::vector<at::Tensor>& params, Communicator& comm, double bucket_mb);
  ~GradientSync();
  GradientSync(const GradientSync&) = delete;
  GradientSync& operator=(const GradientSync&) = delete;

  // Call before the backward pass whose gradients are to be summed: the last
  // micro-batch of a step. Earlier micro-batches accumulate locally, with no
  // communication. Gradients are summed, not averaged: the loss is already
  // normalised by the token count of the whole global step.
  void sync_next_backward();
  size_t bucket_count() const { return bucket_count_; }

 private:
  std::unique_ptr<c10d::Reducer> reducer_;
  size_t bucket_count_;
};

}  // namespace anvil::training
