// The fused ops' CPU path against the unfused LibTorch ops they replace.
// tests/training/cuda_paths_test.cpp runs the same comparisons on the CUDA kernels.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <torch/nn/functional/loss.h>

#include <ATen/autocast_mode.h>
#include <ATen/ops/gelu.h>
#include <ATen/ops/layer_norm.h>
#include <ATen/ops/rms_norm.h>

#include "models/gpt.h"
#include "models/kernels/add_norm.h"
#include "models/kernels/bias_gelu.h"
#include "models/kernels/cross_entropy_with_grad.h"
#include "tests/support/error_of.h"
#include "tests/support/tiny_model.h"

using namespace anvil;
using test_support::error_of;
using testing::HasSubstr;

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
  auto error_for = [&](torch::Tensor& l, const torch::Tensor& targets) {
    return error_of<c10::Error>([&] { kernels::cross_entropy_with_grad_(l, targets, r.weights, 0.0, true); });
  };
  EXPECT_THAT(error_for(logits, r.targets + 11), HasSubstr("is outside the vocabulary of 11"));
  EXPECT_THAT(error_for(logits, r.targets.to(torch::kInt)), HasSubstr("targets must be 3 contiguous int64 values"));
  auto half = logits.to(torch::kHalf);
  EXPECT_THAT(error_for(half, r.targets), HasSubstr("logits must be fp32 or bf16, not Half"));
  auto columns = logits.t();
  EXPECT_THAT(error_for(columns, r.targets), HasSubstr("logits must be a contiguous [rows, vocab] matrix"));
  EXPECT_TRUE(torch::equal(logits, r.logits));  // nothing written before the checks failed
}

namespace {

struct AddNormCase {
  torch::Tensor x, delta, weight, bias;
  std::vector<torch::Tensor> leaves() const { return {x, delta, weight, bias}; }
};

AddNormCase make_add_norm_case(torch::ScalarType delta_type) {
  torch::manual_seed(0);
  return {torch::randn({2, 5, 48}, torch::requires_grad()),
          torch::randn({2, 5, 48}).to(delta_type).requires_grad_(),
          (1 + 0.1 * torch::randn({48})).requires_grad_(), (0.1 * torch::randn({48})).requires_grad_()};
}

// Outputs and input gradients for a loss that reads both outputs.
std::vector<torch::Tensor> run_add_norm(const AddNormCase& c, bool fused, bool centred) {
  for (auto t : c.leaves()) t.mutable_grad() = torch::Tensor();
  const auto bias = centred ? c.bias : torch::Tensor();
  torch::Tensor sum, normed;
  if (fused) {
    const auto out = kernels::add_norm(c.x, c.delta, c.weight, bias, 1e-5, centred);
    sum = out.sum, normed = out.normed;
  } else {
    sum = c.x + c.delta;
    normed = centred ? at::layer_norm(sum, {48}, c.weight, bias, 1e-5) : at::rms_norm(sum, {48}, c.weight, 1e-5);
  }
  torch::manual_seed(1);
  ((sum * torch::randn_like(sum)).sum() + (normed.to(torch::kFloat) * torch::randn(normed.sizes())).sum()).backward();
  std::vector<torch::Tensor> out{sum.detach(), normed.detach().to(torch::kFloat)};
  for (const auto& t : c.leaves()) out.push_back(t.grad().defined() ? t.grad().to(torch::kFloat) : torch::zeros({1}));
  return out;
}

}  // namespace

TEST(FusedOps, AddNormMatchesAddThenLayerNormOrRmsNorm) {
  const auto c = make_add_norm_case(torch::kFloat);
  for (const bool centred : {true, false}) {
    SCOPED_TRACE(centred ? "LayerNorm" : "RMSNorm");
    const auto fused = run_add_norm(c, true, centred), unfused = run_add_norm(c, false, centred);
    for (size_t i = 0; i < fused.size(); ++i) EXPECT_TRUE(torch::allclose(fused[i], unfused[i], 1e-4, 1e-5)) << i;
  }
}

TEST(FusedOps, AddNormUnderBf16AutocastGivesTheNextMatmulItsInputInBf16) {
  // The autocast block: an fp32 residual stream plus a bf16 sublayer output.
  const auto c = make_add_norm_case(torch::kBFloat16);
  at::autocast::set_autocast_enabled(at::kCPU, true);
  at::autocast::set_autocast_dtype(at::kCPU, at::kBFloat16);
  const auto out = kernels::add_norm(c.x, c.delta, c.weight, c.bias, 1e-5, true);
  at::autocast::set_autocast_enabled(at::kCPU, false);
  EXPECT_EQ(out.sum.scalar_type(), torch::kFloat);
  EXPECT_EQ(out.normed.scalar_type(), torch::kBFloat16);
  const auto fused = run_add_norm(c, true, true), unfused = run_add_norm(c, false, true);
  EXPECT_EQ(c.delta.grad().scalar_type(), torch::kBFloat16);
  EXPECT_TRUE(torch::allclose(out.normed.to(torch::kFloat), unfused[1], 1e-2, 1e-2));
  for (size_t i = 0; i < fused.size(); ++i) EXPECT_TRUE(torch::allclose(fused[i], unfused[i], 1e-2, 1e-3)) << i;
}

TEST(FusedOps, AddNormRejectsMismatchedShapes) {
  const auto c = make_add_norm_case(torch::kFloat);
  auto error_for = [&](const torch::Tensor& delta, const torch::Tensor& weight, bool centred) {
    return error_of<c10::Error>([&] { kernels::add_norm(c.x, delta, weight, c.bias, 1e-5, centred); });
  };
  EXPECT_THAT(error_for(c.delta.narrow(1, 0, 4), c.weight, true),
              HasSubstr("add_norm: x [2, 5, 48] and delta [2, 4, 48] must match, ending in the weight's 48"));
  EXPECT_THAT(error_for(c.delta, c.weight.narrow(0, 0, 47), true), HasSubstr("ending in the weight's 47"));
  EXPECT_THAT(error_for(c.delta, c.weight, /*centred=*/false),
              HasSubstr("add_norm: a bias needs LayerNorm and 48 values"));
}

TEST(FusedOps, BiasGeluMatchesAddThenGeluWithGradients) {
  for (const bool tanh_form : {false, true}) {
    SCOPED_TRACE(tanh_form ? "tanh" : "exact");
    auto run = [&](bool fused) {
      torch::manual_seed(0);
      const auto pre = (2 * torch::randn({3, 7, 40})).requires_grad_(), bias = torch::randn({40}, torch::requires_grad());
      const auto out = fused ? kernels::bias_gelu(pre, bias, tanh_form) : at::gelu(pre + bias, tanh_form ? "tanh" : "none");
      (out * torch::randn_like(out)).sum().backward();
      return std::vector<torch::Tensor>{out.detach(), pre.grad(), bias.grad()};
    };
    const auto fused = run(true), unfused = run(false);
    for (size_t i = 0; i < fused.size(); ++i) EXPECT_TRUE(torch::allclose(fused[i], unfused[i], 1e-5, 1e-5)) << i;
  }
}

TEST(FusedOps, BiasGeluInBf16KeepsTheBiasGradientInFp32) {
  torch::manual_seed(0);
  const auto pre = torch::randn({64, 16}).to(torch::kBFloat16).requires_grad_();
  const auto bias = torch::randn({16}, torch::requires_grad());
  const auto out = kernels::bias_gelu(pre, bias, true);
  EXPECT_EQ(out.scalar_type(), torch::kBFloat16);
  out.to(torch::kFloat).sum().backward();
  EXPECT_EQ(pre.grad().scalar_type(), torch::kBFloat16);
  EXPECT_EQ(bias.grad().scalar_type(), torch::kFloat);
  // The bias gradient sums the unrounded d_pre: it matches fp32 math on the same bf16 inputs.
  const auto pre32 = pre.detach().to(torch::kFloat).requires_grad_(), bias32 = bias.detach().requires_grad_();
  at::gelu(pre32 + bias32, "tanh").sum().backward();
  EXPECT_TRUE(torch::allclose(bias.grad(), bias32.grad(), 1e-5, 1e-5));
  EXPECT_THAT(error_of<c10::Error>([&] { kernels::bias_gelu(pre, bias.narrow(0, 0, 15), true); }),
              HasSubstr("bias_gelu: pre [64, 16] must end in the bias's 15"));
}

TEST(FusedOps, ModelWithFusedOpsTrainsAsTheUnfusedOne) {
  for (const auto norm : {models::NormKind::kLayerNorm, models::NormKind::kRMSNorm}) {
    SCOPED_TRACE(norm == models::NormKind::kLayerNorm ? "LayerNorm" : "RMSNorm");
    auto gradients = [&](bool fused) {
      auto config = test_support::tiny_gpt_config(61, 16, 2, 2, 32);
      config.norm = norm;
      config.fused_ops = fused;
      torch::manual_seed(0);
      models::GPT model(config);
      const auto tokens = torch::randint(61, {3, 16});
      torch::nn::functional::cross_entropy(model(tokens).view({-1, 61}), tokens.view({-1})).backward();
      std::vector<torch::Tensor> out;
      for (const auto& p : model->parameters()) out.push_back(p.grad().clone());
      return out;
    };
    const auto fused = gradients(true), unfused = gradients(false);
    for (size_t i = 0; i < fused.size(); ++i) EXPECT_TRUE(torch::allclose(fused[i], unfused[i], 1e-4, 1e-6)) << i;
  }
}
