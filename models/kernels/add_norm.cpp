#include "models/kernels/add_norm.h"

#include <cmath>
#include <vector>

#include <ATen/Parallel.h>
#include <ATen/autocast_mode.h>
#include <ATen/ops/empty.h>
#include <ATen/ops/empty_like.h>
#include <ATen/ops/zeros_like.h>
#include <torch/csrc/autograd/custom_function.h>

#include "models/kernels/op_dispatch.h"

namespace anvil::kernels {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// The forward on CPU, a row at a time: the kernel's algorithm with double sums.
struct CpuForward {
  const at::Tensor &x, &delta, &weight, &bias, &sum, &normed, &mean, &rstd;
  double eps;
  bool centred;

  template <typename TX, typename TD, typename TS, typename TN>
  void run() const {
    const int64_t rows = mean.size(0), width = weight.size(0);
    const TX* xs = x.data_ptr<TX>();
    const TD* ds = delta.data_ptr<TD>();
    TS* ss = sum.data_ptr<TS>();
    TN* ns = normed.data_ptr<TN>();
    const float* w = weight.data_ptr<float>();
    const float* b = bias.numel() > 0 ? bias.data_ptr<float>() : nullptr;
    at::parallel_for(0, rows, 1, [&](int64_t begin, int64_t end) {
      for (int64_t row = begin; row < end; ++row) {
        const int64_t o = row * width;
        double total = 0.0, squares = 0.0;
        for (int64_t j = 0; j < width; ++j) {
          ss[o + j] = static_cast<TS>(static_cast<float>(xs[o + j]) + static_cast<float>(ds[o + j]));
          total += static_cast<float>(ss[o + j]);
        }
        const double m = centred ? total / static_cast<double>(width) : 0.0;
        for (int64_t j = 0; j < width; ++j) squares += std::pow(static_cast<float>(ss[o + j]) - m, 2);
        const double r = 1.0 / std::sqrt(squares / static_cast<double>(width) + eps);
        for (int64_t j = 0; j < width; ++j)
          ns[o + j] = static_cast<TN>((static_cast<float>(ss[o + j]) - m) * r * w[j] + (b ? b[j] : 0.f));
        mean.data_ptr<float>()[row] = static_cast<float>(m);
        rstd.data_ptr<float>()[row] = static_cast<float>(r);
      }
    });
  }
};

// The backward on CPU: d_sum row by row, then the weight and bias sums column by column.
struct CpuBackward {
  const at::Tensor &grad_sum, &grad_normed, &sum, &weight, &mean, &rstd, &d_sum, &d_weight, &d_bias;
  bool centred;

  template <typename TS, typename TN>
  void run() const {
    const int64_t rows = mean.size(0), width = weight.size(0);
    const TS* gs = grad_sum.defined() ? grad_sum.data_ptr<TS>() : nullptr;
    const TN* gn = grad_normed.data_ptr<TN>();
    const TS* s = sum.data_ptr<TS>();
    TS* out = d_sum.data_ptr<TS>();
    const float *w = weight.data_ptr<float>(), *m = mean.data_ptr<float>(), *r = rstd.data_ptr<float>();
    auto xhat = [&](int64_t row, int64_t j) { return (static_cast<double>(s[row * width + j]) - m[row]) * r[row]; };
    at::parallel_for(0, rows, 1, [&](int64_t begin, int64_t end) {
      for (int64_t row = begin; row < end; ++row) {
        const int64_t o = row * width;
        double sum_g = 0.0, sum_gx = 0.0;
        for (int64_t j = 0; j < width; ++j) {
          const double g = static_cast<double>(gn[o + j]) * w[j];
          sum_g += g;
          sum_gx += g * xhat(row, j);
        }
        const double mean_g = centred ? sum_g / static_cast<double>(width) : 0.0;
        const double mean_gx = sum_gx / static_cast<double>(width);
        for (int64_t j = 0; j < width; ++j) {
          const double g = static_cast<double>(gn[o + j]) * w[j];
          const double residual = gs ? static_cast<double>(gs[o + j]) : 0.0;
          out[o + j] = static_cast<TS>(residual + r[row] * (g - mean_g - xhat(row, j) * mean_gx));
        }
      }
    });
    float *dw = d_weight.data_ptr<float>(), *db = d_bias.data_ptr<float>();
    at::parallel_for(0, width, 1, [&](int64_t begin, int64_t end) {
      for (int64_t j = begin; j < end; ++j) {
        double w_sum = 0.0, b_sum = 0.0;
        for (int64_t row = 0; row < rows; ++row) {
          w_sum += static_cast<double>(gn[row * width + j]) * xhat(row, j);
          b_sum += static_cast<double>(gn[row * width + j]);
        }
        dw[j] = static_cast<float>(w_sum);
        db[j] = static_cast<float>(b_sum);
      }
    });
  }
};

struct AddNormFunction : torch::autograd::Function<AddNormFunction> {
  static variable_list forward(AutogradContext* ctx, const at::Tensor& x, const at::Tensor& delta,
                               const at::Tensor& weight, const at::Tensor& bias, double eps, bool centred,
                               at::ScalarType normed_type) {
    const auto xc = x.contiguous(), dc = delta.contiguous();
    const int64_t width = weight.size(0), rows = xc.numel() / width;
    auto sum = at::empty(xc.sizes(), xc.options().dtype(at::promote_types(x.scalar_type(), delta.scalar_type())));
    auto normed = at::empty(xc.sizes(), xc.options().dtype(normed_type));
    auto mean = at::empty({rows}, weight.options()), rstd = at::empty({rows}, weight.options());
    if (x.is_cuda()) {
#ifdef ANVIL_CUDA_KERNELS
      const cuda::AddNormTypes types{cuda_dtype(x.scalar_type()), cuda_dtype(delta.scalar_type()),
                                     cuda_dtype(sum.scalar_type()), cuda_dtype(normed_type)};
      C10_CUDA_CHECK(cuda::add_norm_forward(xc.data_ptr(), dc.data_ptr(), weight.data_ptr<float>(),
                                            bias.numel() > 0 ? bias.data_ptr<float>() : nullptr, sum.data_ptr(),
                                            normed.data_ptr(), mean.data_ptr<float>(), rstd.data_ptr<float>(), types,
                                            rows, width, static_cast<float>(eps), centred,
                                            c10::cuda::getCurrentCUDAStream()));
#endif
    } else {
      const CpuForward f{xc, dc, weight, bias, sum, normed, mean, rstd, eps, centred};
      with_cpu_type(x.scalar_type(), [&](auto tx) {
        with_cpu_type(delta.scalar_type(), [&](auto td) {
          with_cpu_type(normed_type, [&](auto tn) {
            using TX = decltype(tx);
            using TD = decltype(td);
            using TN = decltype(tn);
            if (sum.scalar_type() == at::kFloat)
              f.run<TX, TD, float, TN>();
            else
              f.run<TX, TD, c10::BFloat16, TN>();
          });
        });
      });
    }
    ctx->save_for_backward({sum, weight, mean, rstd});
    ctx->saved_data["centred"] = centred;
    ctx->saved_data["has_bias"] = bias.numel() > 0;
    ctx->saved_data["x_type"] = static_cast<int64_t>(x.scalar_type());
    ctx->saved_data["delta_type"] = static_cast<int64_t>(delta.scalar_type());
    ctx->saved_data["normed_type"] = static_cast<int64_t>(normed_type);
    return {sum, normed};
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    const auto saved = ctx->get_saved_variables();
    const auto &sum = saved[0], &weight = saved[1], &mean = saved[2], &rstd = saved[3];
    const bool centred = ctx->saved_data["centred"].toBool();
    const auto normed_type = static_cast<at::ScalarType>(ctx->saved_data["normed_type"].toInt());
    const auto grad_sum = grads[0].defined() ? grads[0].to(sum.scalar_type()).contiguous() : at::Tensor();
    const auto grad_normed = grads[1].defined() ? grads[1].to(normed_type).contiguous()
                                                : at::zeros_like(sum, sum.options().dtype(normed_type));
    const auto x_type = static_cast<at::ScalarType>(ctx->saved_data["x_type"].toInt());
    const auto delta_type = static_cast<at::ScalarType>(ctx->saved_data["delta_type"].toInt());
    auto d_sum = at::empty_like(sum);
    // The gradient in bf16 for an input of that type (the sum being fp32).
    at::Tensor d_low;
    at::Tensor d_weight, d_bias;
    if (sum.is_cuda()) {
#ifdef ANVIL_CUDA_KERNELS
      const int64_t width = weight.size(0), rows = mean.size(0);
      const int blocks = cuda::add_norm_backward_blocks(rows);
      auto partials = at::empty({blocks, 2, width}, weight.options());
      if (x_type != delta_type) d_low = at::empty_like(sum, sum.options().dtype(at::kBFloat16));
      const cuda::AddNormTypes types{cuda::Dtype::kFloat, cuda::Dtype::kFloat, cuda_dtype(sum.scalar_type()),
                                     cuda_dtype(normed_type)};
      C10_CUDA_CHECK(cuda::add_norm_backward(grad_sum.defined() ? grad_sum.data_ptr() : nullptr,
                                             grad_normed.data_ptr(), sum.data_ptr(), weight.data_ptr<float>(),
                                             mean.data_ptr<float>(), rstd.data_ptr<float>(), d_sum.data_ptr(),
                                             d_low.defined() ? d_low.data_ptr() : nullptr, partials.data_ptr<float>(),
                                             types, rows, width, centred, c10::cuda::getCurrentCUDAStream()));
      const auto totals = partials.sum(0);
      d_weight = totals[0];
      d_bias = totals[1];
#endif
    } else {
      d_weight = at::empty_like(weight);
      d_bias = at::empty_like(weight);
      const CpuBackward b{grad_sum, grad_normed, sum, weight, mean, rstd, d_sum, d_weight, d_bias, centred};
      with_cpu_type(sum.scalar_type(), [&](auto ts) {
        with_cpu_type(normed_type, [&](auto tn) { b.run<decltype(ts), decltype(tn)>(); });
      });
    }
    auto gradient_as = [&](at::ScalarType type) {
      return d_low.defined() && type == at::kBFloat16 ? d_low : d_sum.to(type);
    };
    return {gradient_as(x_type), gradient_as(delta_type), d_weight,
            ctx->saved_data["has_bias"].toBool() ? d_bias : at::Tensor(), at::Tensor(), at::Tensor(), at::Tensor()};
  }
};

bool fp32_or_bf16(const at::Tensor& t) { return t.scalar_type() == at::kFloat || t.scalar_type() == at::kBFloat16; }

}  // namespace

AddNormResult add_norm(const at::Tensor& x, const at::Tensor& delta, const at::Tensor& weight, const at::Tensor& bias,
                       double eps, bool centred) {
  const int64_t width = weight.size(-1);
  TORCH_CHECK(x.sizes() == delta.sizes() && x.dim() >= 1 && x.size(-1) == width && weight.dim() == 1,
              "add_norm: x ", x.sizes(), " and delta ", delta.sizes(), " must match, ending in the weight's ", width);
  TORCH_CHECK(fp32_or_bf16(x) && fp32_or_bf16(delta), "add_norm: x and delta must be fp32 or bf16");
  TORCH_CHECK(weight.scalar_type() == at::kFloat && (!bias.defined() || bias.scalar_type() == at::kFloat),
              "add_norm: weight and bias must be fp32");
  TORCH_CHECK(!bias.defined() || (centred && bias.sizes() == weight.sizes()), "add_norm: a bias needs LayerNorm and ",
              width, " values");
  TORCH_CHECK(delta.device() == x.device() && weight.device() == x.device() &&
                  (!bias.defined() || bias.device() == x.device()),
              "add_norm: all tensors must be on one device");
#ifndef ANVIL_CUDA_KERNELS
  TORCH_CHECK(!x.is_cuda(), "add_norm: this anvil was built without its CUDA kernels");
#endif
  TORCH_CHECK(x.is_cpu() || x.is_cuda(), "add_norm: runs on CPU or CUDA, not ", x.device());
  const auto device = x.device().type();
  const auto sum_type = at::promote_types(x.scalar_type(), delta.scalar_type());
  const auto normed_type =
      at::autocast::is_autocast_enabled(device) ? at::autocast::get_autocast_dtype(device) : sum_type;
  TORCH_CHECK(normed_type == at::kFloat || normed_type == at::kBFloat16, "add_norm: autocast to ", normed_type,
              " is not supported (fp32 or bf16)");
  // Function::apply needs defined tensors: no bias travels as an empty one.
  const auto bias_or_empty = bias.defined() ? bias : at::empty({0}, weight.options());
  const auto out = AddNormFunction::apply(x, delta, weight, bias_or_empty, eps, centred, normed_type);
  return {out[0], out[1]};
}

}  // namespace anvil::kernels
