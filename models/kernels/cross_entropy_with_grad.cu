// Softmax cross-entropy and its gradient, one thread block per row of logits:
// a pass that reads the row for its max, sum of exponentials and plain sum
// (the smoothing term), then a pass that overwrites it with the gradient.
#include <cmath>

#include "models/kernels/cuda_common.cuh"

namespace anvil::kernels::cuda {
namespace {

constexpr int kThreads = 512;

// Running softmax statistics: sum_exp is the sum of exp(z - max).
struct RowStats {
  float max, sum_exp, sum;
  static __device__ RowStats identity() { return {-INFINITY, 0.f, 0.f}; }
  static __device__ RowStats shfl_xor(RowStats s, int offset) {
    return {__shfl_xor_sync(0xffffffffu, s.max, offset), __shfl_xor_sync(0xffffffffu, s.sum_exp, offset),
            __shfl_xor_sync(0xffffffffu, s.sum, offset)};
  }
};

// exp(from - to) for a rescale, with exp(-inf - -inf) taken as 0, not NaN.
__device__ __forceinline__ float rescale(float from, float to) { return from == -INFINITY ? 0.f : expf(from - to); }

struct Merge {
  __device__ RowStats operator()(RowStats a, RowStats b) const {
    const float m = fmaxf(a.max, b.max);
    return {m, a.sum_exp * rescale(a.max, m) + b.sum_exp * rescale(b.max, m), a.sum + b.sum};
  }
};

template <typename T, int N>
__global__ void __launch_bounds__(kThreads)
    cross_entropy_kernel(T* logits, const int64_t* targets, const float* row_weights, float* losses, int64_t vocab,
                         float smoothing, bool write_grad) {
  using P = Pack<T, N>;
  const int64_t row = blockIdx.x;
  P* z = reinterpret_cast<P*>(logits + row * vocab);
  const int64_t packs = vocab / N;
  const int64_t target = targets[row];
  const float weight = row_weights[row];
  // Read before any thread of the block overwrites the row (the reductions
  // sync). A target out of range makes the row's loss NaN, not a wild read.
  const bool in_range = target >= 0 && target < vocab;
  const float target_logit = threadIdx.x == 0 && in_range ? to_float(logits[row * vocab + target]) : NAN;

  RowStats s = RowStats::identity();
  for (int64_t i = threadIdx.x; i < packs; i += kThreads) {
    const P p = z[i];
    float m = s.max, sum = 0.f;
    for (int k = 0; k < N; ++k) m = fmaxf(m, to_float(p.v[k]));
    float sum_exp = s.sum_exp * rescale(s.max, m);
    for (int k = 0; k < N; ++k) {
      const float x = to_float(p.v[k]);
      sum_exp += expf(x - m);
      sum += x;
    }
    s = {m, sum_exp, s.sum + sum};
  }
  s = block_reduce(s, Merge{});
  const float lse = s.max + logf(s.sum_exp);
  if (threadIdx.x == 0)
    losses[row] = weight * (lse - (1.f - smoothing) * target_logit - smoothing * s.sum / static_cast<float>(vocab));
  if (!write_grad) return;
  const float floor = smoothing / static_cast<float>(vocab);
  for (int64_t i = threadIdx.x; i < packs; i += kThreads) {
    P p = z[i];
    for (int k = 0; k < N; ++k) {
      float g = expf(to_float(p.v[k]) - lse) - floor;
      if (i * N + k == target) g -= 1.f - smoothing;
      p.v[k] = from_float<T>(weight * g);
    }
    z[i] = p;
  }
}

template <typename T>
cudaError_t launch(T* logits, const int64_t* targets, const float* row_weights, float* losses, int64_t rows,
                   int64_t vocab, float smoothing, bool write_grad, cudaStream_t stream) {
  if (rows == 0) return cudaSuccess;
  if (packs_fit<T>(logits, vocab))
    cross_entropy_kernel<T, kPack<T>><<<rows, kThreads, 0, stream>>>(logits, targets, row_weights, losses, vocab,
                                                                     smoothing, write_grad);
  else
    cross_entropy_kernel<T, 1><<<rows, kThreads, 0, stream>>>(logits, targets, row_weights, losses, vocab, smoothing,
                                                             write_grad);
  return cudaGetLastError();
}

}  // namespace

cudaError_t cross_entropy_with_grad(void* logits, Dtype dtype, const int64_t* targets, const float* row_weights,
                                    float* losses, int64_t rows, int64_t vocab, float label_smoothing,
                                    bool write_grad, cudaStream_t stream) {
  if (dtype == Dtype::kFloat)
    return launch(static_cast<float*>(logits), targets, row_weights, losses, rows, vocab, label_smoothing, write_grad,
                  stream);
  return launch(static_cast<__nv_bfloat16*>(logits), targets, row_weights, losses, rows, vocab, label_smoothing,
                write_grad, stream);
}

}  // namespace anvil::kernels::cuda
