#include "models/linear.h"

#include <cmath>

#include <torch/nn/functional/linear.h>
#include <torch/nn/init.h>

namespace anvil::models {

LinearImpl::LinearImpl(int64_t in_features, int64_t out_features, bool with_bias) {
  // The model initialises its weights as a whole (GPT-2's scheme); this only
  // gives a sane start to a layer used on its own.
  // Drawn in fp32 whatever the default dtype: LibTorch draws bf16 several times slower.
  const auto dtype = c10::typeMetaToScalarType(c10::get_default_dtype());
  weight = register_parameter("weight", torch::randn({out_features, in_features}, torch::kFloat).mul_(0.02).to(dtype));
  if (with_bias) bias = register_parameter("bias", torch::zeros({out_features}));
}

torch::Tensor LinearImpl::forward(const torch::Tensor& x) {
  return plus_lora(x, torch::nn::functional::linear(x, weight, bias));
}

torch::Tensor LinearImpl::forward_without_bias(const torch::Tensor& x) {
  return plus_lora(x, torch::nn::functional::linear(x, weight));
}

torch::Tensor LinearImpl::plus_lora(const torch::Tensor& x, torch::Tensor y) {
  if (has_lora() && lora_scale != 0) y = y + torch::nn::functional::linear(torch::nn::functional::linear(lora_dropout(x), lora_a), lora_b) * lora_scale;
  return y;
}

void LinearImpl::add_lora(int64_t rank, double alpha, double dropout) {
  const int64_t in = weight.size(1), out = weight.size(0);
  // A as nn.Linear initialises its weight (what PEFT does), B zero.
  auto a = torch::empty({rank, in}, weight.options());
  torch::nn::init::kaiming_uniform_(a, std::sqrt(5.0));
  lora_a = register_parameter("lora_a", a);
  lora_b = register_parameter("lora_b", torch::zeros({out, rank}, weight.options()));
  lora_scale = alpha / static_cast<double>(rank);
  lora_dropout = register_module("lora_dropout", torch::nn::Dropout(dropout));
}

}  // namespace anvil::models
