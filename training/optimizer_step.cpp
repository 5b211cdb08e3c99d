#include "training/optimizer_step.h"

#include <stdexcept>
#include <string>
#include <tuple>
#include <utility>

#include "training/batch_loss.h"
#include "training/loss.h"
#include "recipes/model_builder.h"
#include "training/optimizer.h"

namespace anvil::training {
namespace {

// The micro-batches' forward and backward, then gradient clipping and AdamW.
// Each micro-batch's summed loss is divided by `step_tokens` (a device
// scalar), the token count of the whole global step. Returns the summed loss
// and the gradient norm before clipping.
std::pair<torch::Tensor, torch::Tensor> forward_backward_update(const StepParts& parts, const recipes::RunConfig& config,
                                                                const torch::Tensor& class_weights,
                                                                const std::vector<data::Batch>& micro_batches,
                                                                const torch::Tensor& step_tokens, c10::Device device) {
  parts.optimizer.zero_grad();
  auto loss_sum = torch::zeros({}, torch::TensorOptions().dtype(torch::kDouble).device(device));
  for (size_t i = 0; i < micro_batches.size(); ++i) {
    const auto& batch = micro_batches[i];
    torch::Tensor loss;
    {
      AutocastScope autocast(device, parts.precision);
      loss = summed_batch_loss(parts.model, batch, device,
                               {config.train.label_smoothing, class_weights, config.train.chunked_loss});
    }
    if (parts.sync && i + 1 == micro_batches.size()) parts.sync->sync_next_backward();
    (loss / step_tokens).backward();
    loss_sum += loss.detach().to(torch::kDouble);
  }
  // Clipping divides the gradients inside the fused AdamW's kernel.
  auto grad_norm = gradient_norm(recipes::trainable_parameters(parts.model));
  const double max_norm = config.optim.grad_clip;
  parts.optimizer.step(max_norm > 0 ? clip_divisor(grad_norm, max_norm) : torch::Tensor());
  return {loss_sum, grad_norm};
}

}  // namespace

void GraphedStep::stage(const std::vector<data::Batch>& batches, double tokens, c10::Device device) {
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

StepResult optimizer_step(const StepParts& parts, const recipes::RunConfig& config, const torch::Tensor& class_weights,
                          c10::Device device, GraphedStep* graphed) {
  std::vector<data::Batch> micro_batches;
  data::MixtureCursor cursor;
  int64_t tokens = 0, positions = 0;
  for (int64_t i = 0; i < config.train.grad_accum; ++i) {
    auto loaded = parts.loader.next();
    positions += loaded.batch.inputs.numel();
    micro_batches.push_back(std::move(loaded.batch));
    cursor = std::move(loaded.cursor);
    tokens += count_loss_tokens(micro_batches.back().targets);
  }
  const auto totals = parts.comm.sum({static_cast<double>(tokens), static_cast<double>(positions)});
  const double step_tokens = totals[0];
  if (step_tokens == 0) throw std::runtime_error("a training step without a single target token: blocks too short?");
  if (!graphed) {
    const auto token_count = torch::full({}, step_tokens, torch::TensorOptions(torch::kFloat).device(device));
    auto [loss_sum, grad_norm] =
        forward_backward_update(parts, config, class_weights, micro_batches, token_count, device);
    return {loss_sum, step_tokens, grad_norm, static_cast<int64_t>(totals[1]), std::move(cursor)};
  }
  graphed->stage(micro_batches, step_tokens, device);
  parts.optimizer.fused()->stage_learning_rates();
  const bool replayed = graphed->graph.run([&] {
    std::tie(graphed->loss_sum, graphed->grad_norm) = forward_backward_update(
        parts, config, class_weights, graphed->micro_batches, graphed->step_tokens, device);
  });
  if (replayed) parts.optimizer.fused()->count_replayed_step();
  return {graphed->loss_sum, step_tokens, graphed->grad_norm, static_cast<int64_t>(totals[1]), std::move(cursor)};
}

}  // namespace anvil::training
