#include "models/activation_checkpoint.h"

#include <ATen/Context.h>
#include <ATen/autocast_mode.h>
#include <ATen/core/grad_mode.h>
#include <torch/csrc/autograd/autograd.h>
#include <torch/csrc/autograd/function.h>
#include <torch/csrc/autograd/functions/utils.h>

namespace anvil::models {
namespace {

using torch::autograd::variable_list;

// The state a forward pass depends on besides its inputs.
struct ForwardState {
  c10::Device device;
  at::Tensor rng;  // the device's default generator before the first run
  bool autocast;
  at::ScalarType autocast_dtype;

  static ForwardState capture(c10::Device device) {
    auto generator = at::globalContext().defaultGenerator(device);
    std::lock_guard<std::mutex> lock(generator.mutex());
    return {device, generator.get_state(), at::autocast::is_autocast_enabled(device.type()),
            at::autocast::get_autocast_dtype(device.type())};
  }
};

// Runs fn with the generator and autocast as `state` had them, then puts back
// what they were: the recompute must not shift the random stream of later work.
at::Tensor replay(const std::function<at::Tensor(const at::Tensor&)>& fn, const at::Tensor& x,
                  const ForwardState& state) {
  const auto type = state.device.type();
  auto generator = at::globalContext().defaultGenerator(state.device);
  at::Tensor rng_now;
  {
    std::lock_guard<std::mutex> lock(generator.mutex());
    rng_now = generator.get_state();
    generator.set_state(state.rng);
  }
  const bool autocast_now = at::autocast::is_autocast_enabled(type);
  const auto dtype_now = at::autocast::get_autocast_dtype(type);
  at::autocast::set_autocast_enabled(type, state.autocast);
  at::autocast::set_autocast_dtype(type, state.autocast_dtype);
  at::Tensor y;
  {
    at::AutoGradMode grad(true);
    y = fn(x);
  }
  if (state.autocast) at::autocast::clear_cache();
  at::autocast::set_autocast_enabled(type, autocast_now);
  at::autocast::set_autocast_dtype(type, dtype_now);
  std::lock_guard<std::mutex> lock(generator.mutex());
  generator.set_state(rng_now);
  return y;
}

// Backward of a checkpointed call. Its next edges are x's and each
// parameter's, so it returns their gradients rather than accumulating them
// itself (a nested backward would finish the gradient sync too early).
struct RecomputeBackward : torch::autograd::Node {
  std::function<at::Tensor(const at::Tensor&)> fn;
  at::Tensor input;                // detached: no hold on the graph before it
  std::vector<at::Tensor> params;  // those that require grad
  ForwardState state;

  RecomputeBackward(std::function<at::Tensor(const at::Tensor&)> f, at::Tensor x, std::vector<at::Tensor> p,
                    ForwardState s)
      : fn(std::move(f)), input(std::move(x)), params(std::move(p)), state(std::move(s)) {}

  std::string name() const override { return "anvil::RecomputeBackward"; }

  variable_list apply(variable_list&& grads) override {
    TORCH_CHECK(input.defined(), "a checkpointed block was run backward twice");
    const bool x_needs_grad = next_edge(0).is_valid();
    variable_list result(1 + params.size());
    if (!grads[0].defined()) return result;
    const auto x = input.detach().requires_grad_(x_needs_grad);
    const auto y = replay(fn, x, state);
    variable_list wrt;
    if (x_needs_grad) wrt.push_back(x);
    wrt.insert(wrt.end(), params.begin(), params.end());
    auto computed = torch::autograd::grad({y}, wrt, {grads[0]}, /*retain_graph=*/false, /*create_graph=*/false,
                                          /*allow_unused=*/true);
    std::move(computed.begin(), computed.end(), result.begin() + (x_needs_grad ? 0 : 1));
    return result;
  }

  void release_variables() override {
    input.reset();
    fn = nullptr;
  }
};

}  // namespace

at::Tensor checkpointed(std::function<at::Tensor(const at::Tensor&)> fn, const at::Tensor& x,
                        const std::vector<at::Tensor>& params) {
  std::vector<at::Tensor> trained;
  for (const auto& p : params)
    if (p.requires_grad()) trained.push_back(p);
  if (!at::GradMode::is_enabled() || (!x.requires_grad() && trained.empty())) return fn(x);
  auto state = ForwardState::capture(x.device());
  at::Tensor y;
  {
    at::NoGradGuard no_grad;
    y = fn(x);
  }
  variable_list inputs{x};
  inputs.insert(inputs.end(), trained.begin(), trained.end());
  auto node = std::shared_ptr<RecomputeBackward>(
      new RecomputeBackward(std::move(fn), x.detach(), std::move(trained), std::move(state)),
      torch::autograd::deleteNode);
  node->set_next_edges(torch::autograd::collect_next_edges(inputs));
  torch::autograd::set_history(y, node);
  return y;
}

}  // namespace anvil::models
