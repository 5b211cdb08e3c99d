#include "models/kernels/cross_entropy_with_grad.h"

#include <cmath>
#include <limits>

#include <ATen/Dispatch.h>
#include <ATen/Parallel.h>
#include <ATen/ops/empty.h>

#include "models/kernels/op_dispatch.h"

namespace anvil::kernels {
namespace {

// The CPU path: the kernel's algorithm, a row at a time, for tests and for
// machines without CUDA. Sums in double, so it also serves as the reference.
template <typename T>
void rows_on_cpu(T* logits, const int64_t* targets, const float* weights, float* losses, int64_t rows, int64_t vocab,
                 double smoothing, bool write_grad) {
  at::parallel_for(0, rows, 1, [&](int64_t begin, int64_t end) {
    for (int64_t row = begin; row < end; ++row) {
      T* z = logits + row * vocab;
      double max = -std::numeric_limits<double>::infinity(), sum_exp = 0.0, sum = 0.0;
      for (int64_t j = 0; j < vocab; ++j) max = std::max(max, static_cast<double>(z[j]));
      for (int64_t j = 0; j < vocab; ++j) {
        sum_exp += std::exp(static_cast<double>(z[j]) - max);
        sum += static_cast<double>(z[j]);
      }
      const double lse = max + std::log(sum_exp), w = weights[row];
      const int64_t t = targets[row];
      losses[row] = static_cast<float>(w * (lse - (1.0 - smoothing) * static_cast<double>(z[t]) -
                                            smoothing * sum / static_cast<double>(vocab)));
      if (!write_grad) continue;
      for (int64_t j = 0; j < vocab; ++j) {
        double g = std::exp(static_cast<double>(z[j]) - lse) - smoothing / static_cast<double>(vocab);
        if (j == t) g -= 1.0 - smoothing;
        z[j] = static_cast<T>(w * g);
      }
    }
  });
}

void check_arguments(const at::Tensor& logits, const at::Tensor& targets, const at::Tensor& weights) {
  TORCH_CHECK(logits.dim() == 2 && logits.is_contiguous(), "cross_entropy_with_grad_: logits must be a contiguous [rows, vocab] matrix");
  TORCH_CHECK(logits.scalar_type() == at::kFloat || logits.scalar_type() == at::kBFloat16,
              "cross_entropy_with_grad_: logits must be fp32 or bf16, not ", logits.scalar_type());
  const int64_t rows = logits.size(0);
  TORCH_CHECK(targets.scalar_type() == at::kLong && targets.dim() == 1 && targets.size(0) == rows && targets.is_contiguous(),
              "cross_entropy_with_grad_: targets must be ", rows, " contiguous int64 values");
  TORCH_CHECK(weights.scalar_type() == at::kFloat && weights.dim() == 1 && weights.size(0) == rows && weights.is_contiguous(),
              "cross_entropy_with_grad_: row_weights must be ", rows, " contiguous fp32 values");
  TORCH_CHECK(targets.device() == logits.device() && weights.device() == logits.device(),
              "cross_entropy_with_grad_: logits, targets and row_weights must be on one device");
}

}  // namespace

at::Tensor cross_entropy_with_grad_(const at::Tensor& logits, const at::Tensor& targets, const at::Tensor& row_weights,
                                    double label_smoothing, bool write_grad) {
  check_arguments(logits, targets, row_weights);
  const int64_t rows = logits.size(0), vocab = logits.size(1);
  auto losses = at::empty({rows}, row_weights.options());
  if (logits.is_cuda()) {
#ifdef ANVIL_CUDA_KERNELS
    C10_CUDA_CHECK(cuda::cross_entropy_with_grad(logits.data_ptr(), cuda_dtype(logits.scalar_type()),
                                                 targets.data_ptr<int64_t>(), row_weights.data_ptr<float>(),
                                                 losses.data_ptr<float>(), rows, vocab,
                                                 static_cast<float>(label_smoothing), write_grad,
                                                 c10::cuda::getCurrentCUDAStream()));
    return losses;
#else
    TORCH_CHECK(false, "cross_entropy_with_grad_: this anvil was built without its CUDA kernels");
#endif
  }
  TORCH_CHECK(logits.is_cpu(), "cross_entropy_with_grad_: runs on CPU or CUDA, not ", logits.device());
  const auto* t = targets.data_ptr<int64_t>();
  for (int64_t row = 0; row < rows; ++row)
    TORCH_CHECK(t[row] >= 0 && t[row] < vocab, "cross_entropy_with_grad_: target ", t[row], " of row ", row,
                " is outside the vocabulary of ", vocab);
  AT_DISPATCH_FLOATING_TYPES_AND(at::kBFloat16, logits.scalar_type(), "cross_entropy_with_grad_", [&] {
    rows_on_cpu(logits.data_ptr<scalar_t>(), t, row_weights.data_ptr<float>(), losses.data_ptr<float>(), rows, vocab,
                label_smoothing, write_grad);
  });
  return losses;
}

}  // namespace anvil::kernels
