#pragma once
// One optimizer step: grad_accum micro-batches through forward and backward on
// every rank, gradients summed over the ranks, then clipping and AdamW; run
// eagerly, or recorded once as a CUDA graph and replayed. What `anvil train`,
// the benchmarks and the tests run.
#include <functional>
#include <memory>
#include <utility>
#include <vector>

#include <c10/core/Device.h>

#include "data/batch.h"
#include "models/gpt.h"
#include "training/batch_loss.h"
#include "training/precision.h"
#include "training/preference_options.h"
#include "training/sharded_adamw.h"

namespace anvil::training {

class Communicator;
class GradientSync;

struct StepOptions {
  int64_t grad_accum = 1;  // micro-batches per step
  double grad_clip = 1.0;  // max global gradient norm; 0: off
  LossOptions loss;
  PreferenceOptions preference;  // for batches of preference pairs
  Precision precision = Precision::kFp32;
  // Record the step as a CUDA graph and replay it: the caller checks it can
  // be (one CUDA rank, the fused AdamW, batches of one shape).
  bool cuda_graph = false;
  double bucket_mb = 25.0;  // gradient sync buckets, with more than one rank
};

// What a step leaves on the device is read only when a line is logged: a
// read waits for the device, and waiting every step would leave it idle
// while the next step is queued.
struct StepResult {
  torch::Tensor loss_sum;  // this rank's summed token loss
  double step_tokens;      // trained tokens on all ranks
  torch::Tensor grad_norm;  // before clipping
  int64_t positions;        // tokens the model read on all ranks, padding included
  // 1 (a float scalar on the device) when the loss or the gradient norm was
  // NaN or Inf: the optimizer then left the weights and its state as they were.
  torch::Tensor skipped;
  bool stop = false;  // some rank asked to stop after this step (run's stop_vote)
  // Preference pairs only: this rank's summed kPreferenceMetrics (float64
  // [6]) and its pairs; undefined otherwise.
  torch::Tensor pair_metric_sums;
  int64_t pairs = 0;
};

class TrainStep {
 public:
  // `optimizer` steps the model's trainable parameters; with more than one
  // rank, they must already hold the same values on every rank.
  TrainStep(models::GPT model, std::unique_ptr<ShardedAdamW> optimizer, Communicator& comm, c10::Device device,
            StepOptions options);
  ~TrainStep();
  TrainStep(const TrainStep&) = delete;
  TrainStep& operator=(const TrainStep&) = delete;

  // One step on grad_accum micro-batches from `next_micro_batch`. Each
  // micro-batch's summed loss is divided by the token count (for preference
  // pairs: the pair count) of the whole global step, and gradients are summed
  // over the ranks, so the gradient equals that of one batch holding every
  // rank's micro-batches. `stop_vote`: this rank asks every rank to stop
  // after this step; the ranks agree on it in the collective that counts the
  // step's tokens, so all of them stop after the same step.
  StepResult run(const std::function<data::Batch()>& next_micro_batch, bool stop_vote = false);
  // Fault injection for tests: the next step's loss is multiplied by NaN.
  void poison_next_step() { poison_ = true; }

  void set_learning_rate(double lr) { optimizer_->set_learning_rate(lr); }
  ShardedAdamW& optimizer() { return *optimizer_; }
  bool graphed() const { return graphed_ != nullptr; }
  size_t gradient_buckets() const;  // 0 in a single-process run

 private:
  struct Graphed;
  struct Update {
    torch::Tensor loss_sum, grad_norm, skipped;
  };
  Update forward_backward_update(const std::vector<data::Batch>& micro_batches, const torch::Tensor& step_tokens);
  StepResult run_graphed(const std::vector<data::Batch>& micro_batches, double step_tokens, int64_t positions);

  models::GPT model_;
  std::unique_ptr<ShardedAdamW> optimizer_;
  Communicator& comm_;
  c10::Device device_;
  StepOptions options_;
  std::unique_ptr<GradientSync> sync_;  // null in a single-process run
  std::unique_ptr<Graphed> graphed_;    // null unless options.cuda_graph
  torch::Tensor pair_metric_sums_;      // the last step's, for preference pairs
  bool poison_ = false;
};

}  // namespace anvil::training
