#include "models/norm.h"

#include <ATen/ops/layer_norm.h>
#include <ATen/ops/rms_norm.h>

namespace anvil::models {

NormImpl::NormImpl(int64_t dim, const GPTConfig& c) : kind(c.norm), eps(c.norm_eps) {
  // Gemma's zero weight is the identity scale, as a one is for the others.
  weight = register_parameter("weight", kind == NormKind::kGemmaRMSNorm ? torch::zeros({dim}) : torch::ones({dim}));
  if (kind == NormKind::kLayerNorm && c.bias) bias = register_parameter("bias", torch::zeros({dim}));
}

torch::Tensor NormImpl::scale() const { return kind == NormKind::kGemmaRMSNorm ? weight + 1.0 : weight; }

torch::Tensor NormImpl::forward(const torch::Tensor& x) {
  if (kind == NormKind::kLayerNorm) return at::layer_norm(x, {weight.size(0)}, weight, bias, eps);
  return at::rms_norm(x, {weight.size(0)}, scale(), eps);
}

}  // namespace anvil::models
