#include "training/train_step.h"

#include <limits>
#include <stdexcept>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "training/communicator.h"
#include "training/cuda_graph_step.h"
#include "training/gradient_clipping.h"
#include "training/gradient_sync.h"
#include "training/loss.h"
#include "training/preference_loss.h"

namespace anvil::training {

// The tensors the recorded step reads and writes in place: each step's
// batches are copied into `micro_batches`, and its token count into
// `step_tokens`, before the graph runs.
struct TrainStep::Graphed {
  CudaGraphStep graph;
  std::vector<data::Batch> micro_batches;  // on the device
  torch::Tensor step_tokens;
  Update update;  // written by the recorded step

  // Copies `batches` into the recorded step's inputs, which must keep their shapes.
  void stage(const std::vector<data::Batch>& batches, double tokens, c10::Device device) {
    auto copy_into = [&](torch::Tensor& into, const torch::Tensor& from, const char* what) {
      if (!from.defined() && !into.defined()) return;
      if (!from.defined() || !into.defined() || from.sizes() != into.sizes())
        throw std::runtime_error(std::string("run.cuda_graphs replays one batch shape, but the batch ") + what +
                                 " changed shape: set run.cuda_graphs=off for data whose shapes vary");
      into.copy_(from.is_cpu() ? from.pin_memory() : from, /*non_blocking=*/true);
    };
    if (micro_batches.empty()) {
      for (const auto& b : batches)
        micro_batches.push_back({b.inputs.to(device), b.targets.to(device),
                                 b.segments.defined() ? b.segments.to(device) : torch::Tensor()});
      step_tokens = torch::empty({}, torch::TensorOptions(torch::kFloat).device(device));
    }
    for (size_t i = 0; i < batches.size(); ++i) {
      copy_into(micro_batches[i].inputs, batches[i].inputs, "inputs");
      copy_into(micro_batches[i].targets, batches[i].targets, "targets");
      copy_into(micro_batches[i].segments, batches[i].segments, "segments");
    }
    step_tokens.fill_(tokens);
  }
};

TrainStep::TrainStep(models::GPT model, std::unique_ptr<ShardedAdamW> optimizer, Communicator& comm,
                     c10::Device device, StepOptions options)
    : model_(std::move(model)), optimizer_(std::move(optimizer)), comm_(comm), device_(device),
      options_(std::move(options)) {
  if (comm_.world_size() > 1)
    sync_ = std::make_unique<GradientSync>(optimizer_->parameters(), comm_, options_.bucket_mb);
  if (options_.cuda_graph) {
    // Before recording: a replay reads the learning rate from the device.
    optimizer_->read_learning_rates_from_device();
    graphed_ = std::make_unique<Graphed>();
  }
}

TrainStep::~TrainStep() = default;

size_t TrainStep::gradient_buckets() const { return sync_ ? sync_->bucket_count() : 0; }

StepResult TrainStep::run(const std::function<data::Batch()>& next_micro_batch, bool stop_vote) {
  std::vector<data::Batch> micro_batches;
  int64_t tokens = 0, positions = 0, pairs = 0;
  for (int64_t i = 0; i < options_.grad_accum; ++i) {
    micro_batches.push_back(next_micro_batch());
    const auto& batch = micro_batches.back();
    positions += batch.inputs.numel();
    // A preference loss is a mean over pairs, a language model's over target tokens.
    if (batch.pair_ids.defined()) pairs += batch.pair_ids.size(0);
    else tokens += count_loss_tokens(batch.targets);
  }
  if (pairs > 0) tokens = pairs;
  const auto totals =
      comm_.sum({static_cast<double>(tokens), static_cast<double>(positions), stop_vote ? 1.0 : 0.0});
  const double step_tokens = totals[0];
  if (step_tokens == 0) throw std::runtime_error("a training step without a single target token: blocks too short?");
  StepResult result;
  if (graphed_) {
    result = run_graphed(micro_batches, step_tokens, static_cast<int64_t>(totals[1]));
  } else {
    const auto token_count = torch::full({}, step_tokens, torch::TensorOptions(torch::kFloat).device(device_));
    auto update = forward_backward_update(micro_batches, token_count);
    result = {update.loss_sum, step_tokens, update.grad_norm, static_cast<int64_t>(totals[1]), update.skipped};
    if (pairs > 0) {
      result.pair_metric_sums = pair_metric_sums_;
      result.pairs = pairs;
    }
  }
  result.stop = totals[2] > 0;
  return result;
}

StepResult TrainStep::run_graphed(const std::vector<data::Batch>& micro_batches, double step_tokens,
                                  int64_t positions) {
  auto& g = *graphed_;
  g.stage(micro_batches, step_tokens, device_);
  const bool replayed = g.graph.run([&] { g.update = forward_backward_update(g.micro_batches, g.step_tokens); });
  // A replay ran none of the optimizer's host code.
  if (replayed) optimizer_->count_replayed_step();
  return {g.update.loss_sum, step_tokens, g.update.grad_norm, positions, g.update.skipped};
}

// The micro-batches' forward and backward, then gradient clipping and AdamW.
// `step_tokens` is a device scalar. Returns the summed loss, the gradient
// norm before clipping, and whether the update was skipped.
TrainStep::Update TrainStep::forward_backward_update(const std::vector<data::Batch>& micro_batches,
                                                     const torch::Tensor& step_tokens) {
  optimizer_->zero_grad();
  auto loss_sum = torch::zeros({}, torch::TensorOptions().dtype(torch::kDouble).device(device_));
  pair_metric_sums_ = torch::Tensor();
  for (size_t i = 0; i < micro_batches.size(); ++i) {
    torch::Tensor loss;
    {
      AutocastScope autocast(device_, options_.precision);
      if (micro_batches[i].pair_ids.defined()) {
        auto terms = preference_batch_loss(model_, micro_batches[i], device_, options_.preference);
        loss = terms.loss_sum;
        pair_metric_sums_ = pair_metric_sums_.defined() ? pair_metric_sums_ + terms.metric_sums : terms.metric_sums;
      } else {
        loss = summed_batch_loss(model_, micro_batches[i], device_, options_.loss);
      }
    }
    if (poison_) loss = loss * std::numeric_limits<float>::quiet_NaN();
    if (sync_ && i + 1 == micro_batches.size()) sync_->sync_next_backward();
    (loss / step_tokens).backward();
    loss_sum += loss.detach().to(torch::kDouble);
  }
  poison_ = false;
  auto grad_norm = gradient_norm(optimizer_->parameters());
  // The norm of the gradients summed over the ranks is the same on every
  // rank, so all of them skip together; a loss is only this rank's.
  auto finite = grad_norm.isfinite();
  if (!sync_) finite = finite.logical_and(loss_sum.isfinite());
  auto skipped = finite.logical_not().to(torch::kFloat);
  // Clipping divides the gradients inside the AdamW step.
  const double max_norm = options_.grad_clip;
  optimizer_->step(max_norm > 0 ? clip_divisor(grad_norm, max_norm) : torch::Tensor(), skipped);
  return {loss_sum, grad_norm, skipped};
}

}  // namespace anvil::training
