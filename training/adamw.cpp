#include "training/adamw.h"

#include <memory>
#include <optional>

#include <ATen/ops/_foreach_add.h>
#include <ATen/ops/_foreach_div.h>
#include <ATen/ops/_foreach_sub.h>
#include <ATen/ops/_fused_adamw.h>
#include <torch/csrc/autograd/grad_mode.h>

namespace anvil::training {
namespace {

torch::optim::AdamWOptions group_options(const AdamWOptions& o, double weight_decay) {
  return torch::optim::AdamWOptions(o.lr).betas({o.beta1, o.beta2}).eps(o.eps).weight_decay(weight_decay);
}

std::vector<torch::optim::OptimizerParamGroup> decay_groups(const std::vector<torch::Tensor>& params,
                                                            const AdamWOptions& o) {
  std::vector<torch::Tensor> decay, no_decay;
  for (const auto& p : params) (p.dim() >= 2 ? decay : no_decay).push_back(p);
  std::vector<torch::optim::OptimizerParamGroup> groups;
  groups.emplace_back(decay, std::make_unique<torch::optim::AdamWOptions>(group_options(o, o.weight_decay)));
  if (!no_decay.empty())
    groups.emplace_back(no_decay, std::make_unique<torch::optim::AdamWOptions>(group_options(o, 0.0)));
  return groups;
}

// The gradients of those of `params` that have one.
std::vector<torch::Tensor> defined_gradients(const std::vector<torch::Tensor>& params) {
  std::vector<torch::Tensor> grads;
  for (const auto& p : params)
    if (p.grad().defined()) grads.push_back(p.grad());
  return grads;
}

}  // namespace

AdamW::AdamW(const std::vector<torch::Tensor>& params, const AdamWOptions& options)
    : torch::optim::AdamW(decay_groups(params, options), group_options(options, options.weight_decay)),
      fused_(options.fused) {}

void AdamW::set_learning_rate(double lr) {
  for (auto& group : param_groups()) group.options().set_lr(lr);
  for (auto& rate : device_learning_rates_) rate.fill_(lr);
}

torch::Tensor AdamW::step(LossClosure closure) {
  TORCH_CHECK(!closure, "anvil's AdamW does not take a closure");
  step_dividing_gradients({});
  return {};
}

void AdamW::step_dividing_gradients(const torch::Tensor& divisor, const torch::Tensor& skip) {
  if (fused_) return fused_step(divisor, skip);
  // The reference path waits for the device to decide, and counts nothing.
  if (skip.defined() && skip.item<float>() != 0.0f) return;
  if (divisor.defined())
    for (const auto& group : param_groups()) at::_foreach_div_(defined_gradients(group.params()), divisor);
  torch::optim::AdamW::step();
}

void AdamW::fused_step(const torch::Tensor& divisor, const torch::Tensor& skip) {
  torch::NoGradGuard no_grad;
  const auto grad_scale = divisor.defined() ? std::optional<torch::Tensor>(divisor) : std::nullopt;
  const auto found_inf = skip.defined() ? std::optional<torch::Tensor>(skip) : std::nullopt;
  for (size_t group_index = 0; group_index < param_groups().size(); ++group_index) {
    auto& group = param_groups()[group_index];
    const auto& options = static_cast<const torch::optim::AdamWOptions&>(group.options());
    TORCH_CHECK(!options.amsgrad(), "the fused AdamW does not implement amsgrad");
    std::vector<torch::Tensor> params, grads, exp_avgs, exp_avg_sqs, steps;
    for (const auto& p : group.params()) {
      if (!p.grad().defined()) continue;
      auto& slot = state()[p.unsafeGetTensorImpl()];
      if (!slot) {
        auto fresh = std::make_unique<torch::optim::AdamWParamState>();
        fresh->exp_avg(torch::zeros_like(p, torch::MemoryFormat::Preserve));
        fresh->exp_avg_sq(torch::zeros_like(p, torch::MemoryFormat::Preserve));
        slot = std::move(fresh);
      }
      auto& s = static_cast<torch::optim::AdamWParamState&>(*slot);
      auto& count = step_counts_[p.unsafeGetTensorImpl()];
      if (count.count != s.step())
        count.tensor = torch::full({}, static_cast<double>(s.step()), torch::TensorOptions(torch::kFloat).device(p.device()));
      s.step(s.step() + 1);
      count.count = s.step();
      params.push_back(p);
      grads.push_back(p.grad());
      exp_avgs.push_back(s.exp_avg());
      exp_avg_sqs.push_back(s.exp_avg_sq());
      steps.push_back(count.tensor);
    }
    if (params.empty()) continue;
    at::_foreach_add_(steps, 1.0);
    const auto [beta1, beta2] = options.betas();
    if (device_learning_rates_.empty())
      at::_fused_adamw_(params, grads, exp_avgs, exp_avg_sqs, /*max_exp_avg_sqs=*/{}, steps, options.lr(), beta1,
                        beta2, options.weight_decay(), options.eps(), /*amsgrad=*/false, /*maximize=*/false,
                        grad_scale, found_inf);
    else
      at::_fused_adamw_(params, grads, exp_avgs, exp_avg_sqs, /*max_exp_avg_sqs=*/{}, steps,
                        device_learning_rates_[group_index], beta1, beta2, options.weight_decay(), options.eps(),
                        /*amsgrad=*/false, /*maximize=*/false, grad_scale, found_inf);
    // The kernel leaves a skipped step's parameters and moments alone but
    // not the counts it was given: as torch.optim's fused Adam, take it back.
    if (found_inf) at::_foreach_sub_(steps, std::vector<torch::Tensor>(steps.size(), *found_inf));
  }
}

void AdamW::read_learning_rates_from_device() {
  TORCH_CHECK(fused_, "only the fused AdamW reads its learning rate from the device");
  device_learning_rates_.clear();
  for (auto& group : param_groups()) {
    TORCH_CHECK(!group.params().empty(), "AdamW: an empty parameter group");
    const double lr = static_cast<const torch::optim::AdamWOptions&>(group.options()).lr();
    device_learning_rates_.push_back(torch::full({}, lr, group.params()[0].options().dtype(torch::kFloat)));
  }
}

void AdamW::uncount_steps(int64_t n) {
  if (!fused_ || n == 0) return;  // only the fused step counts a skipped step on the host
  for (auto& [key, slot] : state()) {
    auto& s = static_cast<torch::optim::AdamWParamState&>(*slot);
    s.step(s.step() - n);
    const auto count = step_counts_.find(key);
    if (count != step_counts_.end()) count->second.count = s.step();
  }
}

void AdamW::count_replayed_step() {
  for (auto& group : param_groups()) {
    for (const auto& p : group.params()) {
      const auto slot = state().find(p.unsafeGetTensorImpl());
      if (slot == state().end()) continue;
      auto& s = static_cast<torch::optim::AdamWParamState&>(*slot->second);
      s.step(s.step() + 1);
      step_counts_[p.unsafeGetTensorImpl()].count = s.step();
    }
  }
}

}  // namespace anvil::training
