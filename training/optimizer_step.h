#pragma once
// One optimizer step of `anvil train`: train.grad_accum micro-batches from the
// loader through forward and backward on every rank, then gradient clipping and
// AdamW; run eagerly, or replayed from a CUDA graph (run.cuda_graphs).
#include <vector>

#include <c10/core/Device.h>

#include "data/batch.h"
#include "data/batch_loader.h"
#include "models/gpt.h"
#include "training/communicator.h"
#include "training/cuda_graph_step.h"
#include "training/gradient_sync.h"
#include "training/precision.h"
#include "recipes/run_config.h"
#include "training/sharded_adamw.h"

namespace anvil::training {

// What a step leaves on the device is read only when a line is logged: a
// read waits for the device, and waiting every step would leave it idle
// while the next step is queued.
struct StepResult {
  torch::Tensor loss_sum;  // this rank's summed token loss
  double step_tokens;      // trained tokens on all ranks
  torch::Tensor grad_norm;
  int64_t positions;  // tokens the model read on all ranks, padding included
  data::MixtureCursor cursor;  // the loader's state after this step's batches
};

// What an optimizer step works with. `sync` is null in a single-process run.
struct StepParts {
  models::GPT& model;
  ShardedAdamW& optimizer;
  data::BatchLoader& loader;
  Communicator& comm;
  GradientSync* sync;
  Precision precision;
};

// The tensors a step recorded as a CUDA graph reads and writes in place:
// each step's batches are copied into `micro_batches`, and its token count
// into `step_tokens`, before the graph runs. Make one only where
// use_cuda_graphs() says so, after the optimizer's
// fused()->read_learning_rates_from_device().
struct GraphedStep {
  CudaGraphStep graph;
  std::vector<data::Batch> micro_batches;  // on the device
  torch::Tensor step_tokens;
  torch::Tensor loss_sum, grad_norm;  // written by the recorded step

  // Copies `batches` into the recorded step's inputs, which must keep their shapes.
  void stage(const std::vector<data::Batch>& batches, double tokens, c10::Device device);
};

// Each micro-batch's summed loss is divided by the token count of the whole
// global step, and gradients are summed over the ranks, so the gradient equals
// that of one batch holding every rank's micro-batches. With `graphed`, the
// step runs from its CUDA graph.
StepResult optimizer_step(const StepParts& parts, const recipes::RunConfig& config, const torch::Tensor& class_weights,
                          c10::Device device, GraphedStep* graphed);

}  // namespace anvil::training
