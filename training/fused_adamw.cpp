#include "training/fused_adamw.h"

#include <optional>

#include <ATen/ops/_foreach_add.h>
#include <ATen/ops/_fused_adamw.h>
#include <torch/csrc/autograd/grad_mode.h>

namespace anvil::training {

torch::Tensor FusedAdamW::step(LossClosure closure) {
  TORCH_CHECK(!closure, "FusedAdamW does not take a closure");
  step_dividing_gradients({});
  return {};
}

void FusedAdamW::step_dividing_gradients(const torch::Tensor& divisor) {
  torch::NoGradGuard no_grad;
  const auto grad_scale = divisor.defined() ? std::optional<torch::Tensor>(divisor) : std::nullopt;
  for (size_t group_index = 0; group_index < param_groups().size(); ++group_index) {
    auto& group = param_groups()[group_index];
    const auto& options = static_cast<const torch::optim::AdamWOptions&>(group.options());
    TORCH_CHECK(!options.amsgrad(), "FusedAdamW does not implement amsgrad");
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
                        grad_scale);
    else
      at::_fused_adamw_(params, grads, exp_avgs, exp_avg_sqs, /*max_exp_avg_sqs=*/{}, steps,
                        device_learning_rates_[group_index], beta1, beta2, options.weight_decay(), options.eps(),
                        /*amsgrad=*/false, /*maximize=*/false, grad_scale);
  }
}

void FusedAdamW::read_learning_rates_from_device() {
  device_learning_rates_.clear();
  for (auto& group : param_groups()) {
    TORCH_CHECK(!group.params().empty(), "FusedAdamW: an empty parameter group");
    device_learning_rates_.push_back(torch::zeros({}, group.params()[0].options().dtype(torch::kFloat)));
  }
  stage_learning_rates();
}

void FusedAdamW::stage_learning_rates() {
  for (size_t i = 0; i < device_learning_rates_.size(); ++i)
    device_learning_rates_[i].fill_(static_cast<const torch::optim::AdamWOptions&>(param_groups()[i].options()).lr());
}

void FusedAdamW::count_replayed_step() {
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
