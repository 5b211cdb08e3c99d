#include <gtest/gtest.h>

#include <ATen/autocast_mode.h>
#include <torch/nn/functional/loss.h>

#include "models/gpt.h"
#include "tests/support/tiny_model.h"
#include "training/precision.h"

using namespace anvil;
using training::AutocastScope;
using training::Precision;

namespace {

const c10::Device kCpu(c10::kCPU);

models::GPT tiny_model() {
  torch::manual_seed(0);
  return models::GPT(test_support::tiny_gpt_config(41, 16, 2, 4, 64));
}

}  // namespace

TEST(Precision, Bf16ScopeRunsMatmulsInBf16AndRestoresTheState) {
  auto model = tiny_model();
  const auto tokens = torch::randint(41, {2, 16});
  {
    AutocastScope autocast(kCpu, Precision::kBf16);
    EXPECT_EQ(model->forward(tokens).scalar_type(), torch::kBFloat16);
    {
      AutocastScope fp32(kCpu, Precision::kFp32);  // a no-op inside
      EXPECT_TRUE(at::autocast::is_autocast_enabled(c10::kCPU));
    }
  }
  EXPECT_FALSE(at::autocast::is_autocast_enabled(c10::kCPU));
  EXPECT_EQ(model->forward(tokens).scalar_type(), torch::kFloat);
}

TEST(Precision, Bf16LossAndGradientsTrackFp32) {
  auto model = tiny_model();
  const auto tokens = torch::randint(41, {4, 16});
  auto loss_and_grads = [&](Precision p) {
    model->zero_grad();
    torch::Tensor loss;
    {
      AutocastScope autocast(kCpu, p);
      loss = torch::nn::functional::cross_entropy(model->forward(tokens).reshape({-1, 41}).to(torch::kFloat),
                                                  tokens.reshape({-1}));
    }
    loss.backward();
    std::vector<torch::Tensor> grads;
    for (const auto& w : model->parameters()) grads.push_back(w.grad().flatten().clone());
    return std::make_pair(loss.item<double>(), torch::cat(grads));
  };
  const auto [fp32_loss, fp32_grad] = loss_and_grads(Precision::kFp32);
  const auto [bf16_loss, bf16_grad] = loss_and_grads(Precision::kBf16);
  EXPECT_EQ(bf16_grad.scalar_type(), torch::kFloat);  // weights and their gradients stay fp32
  EXPECT_NEAR(bf16_loss, fp32_loss, 0.01 * fp32_loss);
  EXPECT_NE(bf16_loss, fp32_loss);  // it did run in lower precision
  const double cosine = (fp32_grad * bf16_grad).sum().item<double>() / fp32_grad.norm().item<double>() /
                        bf16_grad.norm().item<double>();
  EXPECT_GT(cosine, 0.99);
}

TEST(Precision, ANewScopeSeesWeightsUpdatedSinceTheLast) {
  // Autocast caches bf16 copies of the weights; a scope that outlived an
  // optimizer step would train on stale ones.
  auto model = tiny_model();
  const auto tokens = torch::randint(41, {2, 16});
  torch::Tensor before;
  {
    AutocastScope autocast(kCpu, Precision::kBf16);
    before = model->forward(tokens);
  }
  {
    torch::NoGradGuard no_grad;
    for (auto& w : model->parameters()) w.mul_(1.5);
  }
  torch::Tensor after, fresh;
  {
    AutocastScope autocast(kCpu, Precision::kBf16);
    after = model->forward(tokens);
  }
  auto copy = tiny_model();
  {
    torch::NoGradGuard no_grad;
    for (auto& w : copy->parameters()) w.mul_(1.5);
    AutocastScope autocast(kCpu, Precision::kBf16);
    fresh = copy->forward(tokens);
  }
  EXPECT_FALSE(torch::equal(before, after));
  EXPECT_TRUE(torch::equal(after, fresh));
}
