#include "training/chunked_lm_loss.h"

#include <algorithm>

#include <ATen/autocast_mode.h>
#include <ATen/ops/addmm.h>
#include <ATen/core/grad_mode.h>
#include <torch/csrc/autograd/function.h>
#include <torch/csrc/autograd/functions/utils.h>

#include "data/batch.h"
#include "models/kernels/cross_entropy_with_grad.h"
#include "models/kernels/cuda_kernels.h"

namespace anvil::training {
namespace {

using torch::autograd::variable_list;

// The gradients forward already computed, for a loss gradient of 1.
struct ChunkedLmLossBackward : torch::autograd::Node {
  at::Tensor d_hidden, d_weight;

  std::string name() const override { return "anvil::ChunkedLmLossBackward"; }

  variable_list apply(variable_list&& grads) override {
    TORCH_CHECK(d_hidden.defined() || d_weight.defined(), "chunked_lm_loss: backward ran twice");
    const auto& g = grads[0];
    if (!g.defined()) return {at::Tensor(), at::Tensor()};
    return {d_hidden.defined() ? d_hidden * g.to(d_hidden.scalar_type()) : at::Tensor(),
            d_weight.defined() ? d_weight * g.to(d_weight.scalar_type()) : at::Tensor()};
  }

  void release_variables() override {
    d_hidden.reset();
    d_weight.reset();
  }
};

// The unfused path: the summed loss of logits z [N, V] for targets [N]
// weighted by counts [N], with z replaced by its gradient in z's dtype.
at::Tensor cross_entropy_with_grad_by_aten(at::Tensor& z, const at::Tensor& targets, const at::Tensor& counts,
                                          double label_smoothing, bool want_grad) {
  const auto dtype = z.scalar_type();
  const auto target = targets.unsqueeze(1), weight_of_token = counts.unsqueeze(1);
  auto z32 = z.to(at::kFloat);
  const auto lse = z32.logsumexp(1, /*keepdim=*/true);
  // loss = lse - (1 - ε)·z[target] - ε·mean(z), per counted token.
  auto per_token = lse - (1.0 - label_smoothing) * z32.gather(1, target);
  if (label_smoothing > 0) per_token = per_token - label_smoothing * z32.mean(1, /*keepdim=*/true);
  const auto loss = (per_token * weight_of_token).sum();
  if (!want_grad) return loss;
  // d loss / d z = softmax(z) - (1 - ε)·onehot(target) - ε/V, in place of z32.
  auto dz = z32.sub_(lse).exp_();
  if (label_smoothing > 0) dz.sub_(label_smoothing / static_cast<double>(z.size(1)));
  dz.scatter_add_(1, target, at::full({z.size(0), 1}, label_smoothing - 1.0, dz.options()));
  z = dz.mul_(weight_of_token).to(dtype);
  return loss;
}

// d_weight (fp32) += zᵀ·h. On CUDA the GEMM accumulates into d_weight itself
// when z and h are bf16, instead of rounding the product to bf16 and adding it
// in a separate pass over the whole [V, C] head.
void accumulate_head_gradient(at::Tensor& d_weight, const at::Tensor& z, const at::Tensor& h) {
  if (d_weight.is_cuda() && z.scalar_type() != d_weight.scalar_type())
    at::addmm_out(d_weight, d_weight, z.t(), h, d_weight.scalar_type());
  else
    d_weight.add_(z.t().mm(h));
}

}  // namespace

at::Tensor chunked_lm_loss(const at::Tensor& hidden, const at::Tensor& weight, const at::Tensor& targets,
                           const LmLossOptions& options) {
  const int64_t C = hidden.size(-1), V = weight.size(0);
  TORCH_CHECK(weight.dim() == 2 && weight.size(1) == C, "chunked_lm_loss: weight must be [vocab, ", C, "]");
  const auto h = hidden.reshape({-1, C});
  const auto t = targets.reshape({-1}).to(hidden.device(), at::kLong);
  const int64_t n = h.size(0);
  TORCH_CHECK(t.size(0) == n, "chunked_lm_loss: ", t.size(0), " targets for ", n, " tokens");
  const auto type = hidden.device().type();
  const auto dtype = at::autocast::is_autocast_enabled(type) ? at::autocast::get_autocast_dtype(type)
                                                             : hidden.scalar_type();
  const double label_smoothing = options.label_smoothing;
  // The fused kernel keeps only the logits, in their dtype; the ATen ops add an fp32 copy.
  const bool fused = options.fused_kernel && kernels::fused_ops_available(type) &&
                     (dtype == at::kFloat || dtype == at::kBFloat16);
  const int64_t bytes_per_logit = fused ? static_cast<int64_t>(c10::elementSize(dtype)) : 4;
  const int64_t chunk = options.chunk_tokens > 0 ? options.chunk_tokens
                                                 : std::max<int64_t>(1, (int64_t{256} << 20) / (bytes_per_logit * V));
  const bool want_hidden = at::GradMode::is_enabled() && h.requires_grad();
  const bool want_weight = at::GradMode::is_enabled() && weight.requires_grad();

  at::NoGradGuard no_grad;
  const auto hc = h.detach().to(dtype), wc = weight.detach().to(dtype);
  const auto counted = t.ne(data::kIgnoreIndex).to(at::kFloat);
  const auto safe_targets = t.clamp_min(0);
  auto loss = at::zeros({}, h.options().dtype(at::kFloat));
  at::Tensor d_hidden = want_hidden ? at::empty({n, C}, h.options()) : at::Tensor();
  at::Tensor d_weight = want_weight ? at::zeros({V, C}, weight.options().dtype(at::kFloat)) : at::Tensor();
  const bool want_grad = want_hidden || want_weight;
  for (int64_t start = 0; start < n; start += chunk) {
    const int64_t count = std::min(chunk, n - start);
    const auto h_chunk = hc.narrow(0, start, count);
    const auto target = safe_targets.narrow(0, start, count), counts = counted.narrow(0, start, count);
    auto z = h_chunk.mm(wc.t());  // the chunk's logits, then their gradient
    loss.add_(fused ? kernels::cross_entropy_with_grad_(z, target, counts, label_smoothing, want_grad).sum()
                    : cross_entropy_with_grad_by_aten(z, target, counts, label_smoothing, want_grad));
    if (!want_grad) continue;
    if (want_hidden) d_hidden.narrow(0, start, count).copy_(z.mm(wc));
    if (want_weight) accumulate_head_gradient(d_weight, z, h_chunk);
  }
  if (!want_grad) return loss;
  auto node = std::shared_ptr<ChunkedLmLossBackward>(new ChunkedLmLossBackward(), torch::autograd::deleteNode);
  node->d_hidden = d_hidden;
  node->d_weight = want_weight ? d_weight.to(weight.scalar_type()) : at::Tensor();
  node->set_next_edges(torch::autograd::collect_next_edges(h, weight));
  torch::autograd::set_history(loss, node);
  return loss;
}

}  // namespace anvil::training
