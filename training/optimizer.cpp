#include "training/optimizer.h"

#include <ATen/ops/_foreach_div.h>
#include <ATen/ops/_foreach_norm.h>
#include <ATen/ops/stack.h>

namespace anvil::training {

std::unique_ptr<torch::optim::AdamW> make_adamw(const std::vector<torch::Tensor>& params, const recipes::OptimSection& o) {
  std::vector<torch::Tensor> decay, no_decay;
  for (const auto& p : params) (p.dim() >= 2 ? decay : no_decay).push_back(p);
  auto options = [&](double weight_decay) {
    return std::make_unique<torch::optim::AdamWOptions>(torch::optim::AdamWOptions(o.lr)
                                                            .betas({o.beta1, o.beta2})
                                                            .eps(o.eps)
                                                            .weight_decay(weight_decay));
  };
  std::vector<torch::optim::OptimizerParamGroup> groups;
  groups.emplace_back(decay, options(o.weight_decay));
  if (!no_decay.empty()) groups.emplace_back(no_decay, options(0.0));
  if (o.fused) return std::make_unique<FusedAdamW>(std::move(groups), *options(o.weight_decay));
  return std::make_unique<torch::optim::AdamW>(std::move(groups), *options(o.weight_decay));
}

void set_learning_rate(torch::optim::Optimizer& optimizer, double lr) {
  for (auto& group : optimizer.param_groups()) group.options().set_lr(lr);
}

namespace {

// The gradients of those of `params` that have one.
std::vector<torch::Tensor> defined_gradients(const std::vector<torch::Tensor>& params) {
  std::vector<torch::Tensor> grads;
  for (const auto& p : params)
    if (p.grad().defined()) grads.push_back(p.grad());
  return grads;
}

}  // namespace

torch::Tensor gradient_norm(const std::vector<torch::Tensor>& params) {
  const auto grads = defined_gradients(params);
  if (grads.empty()) return torch::zeros({});
  return at::stack(at::_foreach_norm(grads, 2)).norm();
}

torch::Tensor clip_divisor(const torch::Tensor& norm, double max_norm) {
  return ((norm + 1e-6) / max_norm).clamp_min(1.0);
}

void step_dividing_gradients(torch::optim::AdamW& optimizer, const torch::Tensor& divisor) {
  if (auto* fused = dynamic_cast<FusedAdamW*>(&optimizer)) {
    fused->step_dividing_gradients(divisor);
    return;
  }
  if (divisor.defined())
    for (const auto& group : optimizer.param_groups()) at::_foreach_div_(defined_gradients(group.params()), divisor);
  optimizer.step();
}

}  // namespace anvil::training
