#include "models/norm.h"

#include <ATen/ops/layer_norm.h>
#include <ATen/ops/rms_norm.h>

namespace anvil::models {

NormImpl::NormImpl(int64_t dim, const GPTConfig& c) : kind(c.norm), eps(c.norm_eps) {
  weight = register_parameter("weight", torch::ones({dim}));
  if (kind == NormKind::kLayerNorm && c.bias) bias = register_parameter("bias", torch::zeros({dim}));
}

torch::Tensor NormImpl::forward(const torch::Tensor& x) {
  if (kind == NormKind::kRMSNorm) return at::rms_norm(x, {weight.size(0)}, weight, eps);
  return at::layer_norm(x, {weight.size(0)}, weight, bias, eps);
}

}  // namespace anvil::models
