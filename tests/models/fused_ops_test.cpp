// The fused ops' CPU path against the unfused LibTorch ops they replace.
// tests/trainer/cuda_paths_test.cpp runs the same comparisons on the CUDA kernels.
#include <gtest/gtest.h>

#include <torch/nn/functional/loss.h>

#include "models/kernels/cross_entropy_with_grad.h"

using namespace anvil;

namespace {

// The summed loss and its gradient by LibTorch's cross_entropy and autograd.
std::pair<torch::Tensor, torch::Tensor> unfused_cross_entropy(const torch::Tensor& logits, const torch::Tensor& targets,
                                                              const torch::Tensor& weights, double smoothing) {
  const auto z = logits.detach().to(torch::kFloat).requires_grad_();
  namespace F = torch::nn::functional;
  const auto rows = F::cross_entropy(z, targets, F::CrossEntropyFuncOptions().reduction(torch::kNone).label_smoothing(smoothing));
  (rows * weights).sum().backward();
  return {(rows * weights).detach(), z.grad()};
}

struct Rows {
  torch::Tensor logits, targets, weights;
};

Rows make_rows(int64_t n, int64_t vocab) {
  torch::manual_seed(0);
  Rows r{3 * torch::randn({n, vocab}), torch::randint(vocab, {n}), torch::rand({n})};
  r.weights[1] = 0;  // a dropped row
  return r;
}

}  // namespace

TEST(FusedOps, CrossEntropyWithGradMatchesCrossEntropyAndAutograd) {
  for (const double smoothing : {0.0, 0.1}) {
    SCOPED_TRACE(smoothing);
    const auto r = make_rows(6, 37);
    const auto [losses, grad] = unfused_cross_entropy(r.logits, r.targets, r.weights, smoothing);
    auto logits = r.logits.clone();
    const auto fused = kernels::cross_entropy_with_grad_(logits, r.targets, r.weights, smoothing, true);
    EXPECT_TRUE(torch::allclose(fused, losses, 1e-5, 1e-6));
    EXPECT_TRUE(torch::allclose(logits, grad, 1e-5, 1e-7));
    EXPECT_EQ(logits[1].abs().max().item<float>(), 0.f);  // weight 0: no gradient
  }
}

TEST(FusedOps, CrossEntropyWithGradInBf16RoundsOnlyTheGradient) {
  const auto r = make_rows(4, 1000);
  auto logits = r.logits.to(torch::kBFloat16);
  // The reference sees the same bf16 logits; only the stored gradient is rounded.
  const auto [losses, grad] = unfused_cross_entropy(logits, r.targets, r.weights, 0.1);
  const auto fused = kernels::cross_entropy_with_grad_(logits, r.targets, r.weights, 0.1, true);
  EXPECT_EQ(fused.scalar_type(), torch::kFloat);
  EXPECT_EQ(logits.scalar_type(), torch::kBFloat16);
  EXPECT_TRUE(torch::allclose(fused, losses, 1e-5, 1e-6));
  EXPECT_TRUE(torch::allclose(logits.to(torch::kFloat), grad, 1e-2, 1e-6));  // bf16 keeps 8 bits of mantissa
}

TEST(FusedOps, CrossEntropyWithoutGradLeavesTheLogits) {
  const auto r = make_rows(3, 11);
  auto logits = r.logits.clone();
  const auto losses = kernels::cross_entropy_with_grad_(logits, r.targets, r.weights, 0.0, false);
  EXPECT_TRUE(torch::equal(logits, r.logits));
  EXPECT_TRUE(torch::allclose(losses, unfused_cross_entropy(r.logits, r.targets, r.weights, 0.0).first, 1e-5, 1e-6));
}

TEST(FusedOps, CrossEntropyRejectsBadArguments) {
  const auto r = make_rows(3, 11);
  auto logits = r.logits.clone();
  EXPECT_THROW(kernels::cross_entropy_with_grad_(logits, r.targets + 11, r.weights, 0.0, true), c10::Error);
  EXPECT_THROW(kernels::cross_entropy_with_grad_(logits, r.targets.to(torch::kInt), r.weights, 0.0, true), c10::Error);
  auto half = logits.to(torch::kHalf);
  EXPECT_THROW(kernels::cross_entropy_with_grad_(half, r.targets, r.weights, 0.0, true), c10::Error);
  auto columns = logits.t();
  EXPECT_THROW(kernels::cross_entropy_with_grad_(columns, r.targets, r.weights, 0.0, true), c10::Error);
  EXPECT_TRUE(torch::equal(logits, r.logits));  // nothing written before the checks failed
}
