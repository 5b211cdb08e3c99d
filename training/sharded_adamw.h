#pragma once
// AdamW for a data-parallel run, whose gradients are already summed over the
// ranks. Unsharded, every rank holds the whole optimizer state and steps every
// parameter. Sharded (ZeRO stage 1), the parameters are dealt out among the
// ranks by size: each rank keeps AdamW state for its own share only, steps that
// share, and broadcasts the new values to the other ranks.
//
// Checkpoints always hold the whole state, in the layout of an unsharded
// AdamW, so a run may resume with any world size, sharded or not.
#include <functional>
#include <memory>
#include <vector>

#include <torch/optim/adamw.h>

#include "training/adamw.h"

namespace anvil::training {

class Communicator;

class ShardedAdamW {
 public:
  ShardedAdamW(std::vector<torch::Tensor> params, const AdamWOptions& options, Communicator& comm, bool shard);

  const std::vector<torch::Tensor>& parameters() const { return params_; }
  void set_learning_rate(double lr);
  void zero_grad();  // every parameter's gradient, whichever rank owns it
  // Gradients divided by `grad_divisor` first (a scalar tensor: clipping;
  // undefined: as they are), without a pass of its own with the fused AdamW;
  // a no-op where `skip` is 1 (see AdamW::step_dividing_gradients).
  void step(const torch::Tensor& grad_divisor = {}, const torch::Tensor& skip = {});
  void uncount_steps(int64_t n);  // see AdamW
  // For a step replayed from a CUDA graph (one rank; see AdamW): once before
  // recording, and after each call that only replayed.
  void read_learning_rates_from_device();
  void count_replayed_step();
  // Bytes of optimizer state (the two moments) this rank holds.
  int64_t state_bytes() const;

  // Collective: every rank must call it. The whole state, complete on rank 0.
  torch::optim::Optimizer& gather_full_state();
  // `load` fills an unsharded AdamW over all the parameters (say from a
  // checkpoint); each rank then keeps its own share of it.
  void load_full_state(const std::function<void(torch::optim::Optimizer&)>& load);

 private:
  bool owns(size_t param) const;

  std::vector<torch::Tensor> params_;
  AdamWOptions options_;
  Communicator& comm_;
  bool shard_;
  std::vector<int> owner_;  // rank that steps each parameter
  std::unique_ptr<AdamW> local_;  // over this rank's parameters
  std::unique_ptr<AdamW> full_;   // gathered for a checkpoint
};

}  // namespace anvil::training
