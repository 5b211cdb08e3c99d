#include "models/kernels/bias_gelu.h"

#include <vector>

#include <ATen/Parallel.h>
#include <ATen/ops/empty.h>
#include <ATen/ops/empty_like.h>
#include <torch/csrc/autograd/custom_function.h>

#include "models/kernels/gelu_math.h"
#include "models/kernels/op_dispatch.h"

namespace anvil::kernels {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

template <typename T>
void forward_on_cpu(const at::Tensor& pre, const at::Tensor& bias, at::Tensor& out, bool tanh_form) {
  const int64_t width = bias.size(0), rows = pre.numel() / width;
  const T* p = pre.data_ptr<T>();
  const float* b = bias.data_ptr<float>();
  T* y = out.data_ptr<T>();
  at::parallel_for(0, rows, 1, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin * width; i < end * width; ++i)
      y[i] = static_cast<T>(gelu(static_cast<float>(p[i]) + b[i % width], tanh_form));
  });
}

// d_pre row by row, then the bias gradient column by column.
template <typename T>
void backward_on_cpu(const at::Tensor& grad, const at::Tensor& pre, const at::Tensor& bias, at::Tensor& d_pre,
                     at::Tensor& d_bias, bool tanh_form) {
  const int64_t width = bias.size(0), rows = pre.numel() / width;
  const T *g = grad.data_ptr<T>(), *p = pre.data_ptr<T>();
  const float* b = bias.data_ptr<float>();
  T* d = d_pre.data_ptr<T>();
  auto derivative = [&](int64_t i) {
    return static_cast<float>(g[i]) * gelu_derivative(static_cast<float>(p[i]) + b[i % width], tanh_form);
  };
  at::parallel_for(0, rows, 1, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin * width; i < end * width; ++i) d[i] = static_cast<T>(derivative(i));
  });
  float* db = d_bias.data_ptr<float>();
  at::parallel_for(0, width, 1, [&](int64_t begin, int64_t end) {
    for (int64_t j = begin; j < end; ++j) {
      double total = 0.0;
      for (int64_t row = 0; row < rows; ++row) total += derivative(row * width + j);
      db[j] = static_cast<float>(total);
    }
  });
}

struct BiasGeluFunction : torch::autograd::Function<BiasGeluFunction> {
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& pre, const at::Tensor& bias, bool tanh_form) {
    const auto p = pre.contiguous();
    auto out = at::empty_like(p);
    if (p.is_cuda()) {
#ifdef ANVIL_CUDA_KERNELS
      const int64_t width = bias.size(0), rows = p.numel() / width;
      C10_CUDA_CHECK(cuda::bias_gelu_forward(p.data_ptr(), bias.data_ptr<float>(), out.data_ptr(),
                                             cuda_dtype(p.scalar_type()), rows, width, tanh_form,
                                             c10::cuda::getCurrentCUDAStream()));
#endif
    } else {
      with_cpu_type(p.scalar_type(), [&](auto t) { forward_on_cpu<decltype(t)>(p, bias, out, tanh_form); });
    }
    ctx->save_for_backward({p, bias});
    ctx->saved_data["tanh"] = tanh_form;
    return out;
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    const auto saved = ctx->get_saved_variables();
    const auto &pre = saved[0], &bias = saved[1];
    const bool tanh_form = ctx->saved_data["tanh"].toBool();
    const auto grad = grads[0].to(pre.scalar_type()).contiguous();
    auto d_pre = at::empty_like(pre);
    at::Tensor d_bias;
    if (pre.is_cuda()) {
#ifdef ANVIL_CUDA_KERNELS
      const int64_t width = bias.size(0), rows = pre.numel() / width;
      auto partials = at::empty({cuda::bias_gelu_backward_row_blocks(rows), width}, bias.options());
      C10_CUDA_CHECK(cuda::bias_gelu_backward(grad.data_ptr(), pre.data_ptr(), bias.data_ptr<float>(),
                                              d_pre.data_ptr(), partials.data_ptr<float>(),
                                              cuda_dtype(pre.scalar_type()), rows, width, tanh_form,
                                              c10::cuda::getCurrentCUDAStream()));
      d_bias = partials.sum(0);
#endif
    } else {
      d_bias = at::empty_like(bias);
      with_cpu_type(pre.scalar_type(),
                [&](auto t) { backward_on_cpu<decltype(t)>(grad, pre, bias, d_pre, d_bias, tanh_form); });
    }
    return {d_pre, d_bias, at::Tensor()};
  }
};

}  // namespace

at::Tensor bias_gelu(const at::Tensor& pre, const at::Tensor& bias, bool tanh_form) {
  TORCH_CHECK(pre.scalar_type() == at::kFloat || pre.scalar_type() == at::kBFloat16,
              "bias_gelu: pre must be fp32 or bf16, not ", pre.scalar_type());
  TORCH_CHECK(bias.defined() && bias.dim() == 1 && bias.scalar_type() == at::kFloat,
              "bias_gelu: bias must be an fp32 vector");
  TORCH_CHECK(pre.dim() >= 1 && pre.size(-1) == bias.size(0), "bias_gelu: pre ", pre.sizes(), " must end in the bias's ",
              bias.size(0));
  TORCH_CHECK(bias.device() == pre.device(), "bias_gelu: pre and bias must be on one device");
#ifndef ANVIL_CUDA_KERNELS
  TORCH_CHECK(!pre.is_cuda(), "bias_gelu: this anvil was built without its CUDA kernels");
#endif
  TORCH_CHECK(pre.is_cpu() || pre.is_cuda(), "bias_gelu: runs on CPU or CUDA, not ", pre.device());
  return BiasGeluFunction::apply(pre, bias, tanh_form);
}

}  // namespace anvil::kernels
