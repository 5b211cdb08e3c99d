#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <torch/nn/functional/linear.h>

#include "data/batch.h"
#include "tests/support/error_of.h"
#include "training/chunked_lm_loss.h"
#include "training/loss.h"
#include "training/precision.h"

using namespace anvil;

namespace {

struct Case {
  torch::Tensor hidden, weight, targets;
};

// 3 rows of 10 tokens, width 16, vocabulary 53; some targets ignored.
Case make_case() {
  torch::manual_seed(0);
  Case c{torch::randn({3, 10, 16}, torch::requires_grad()), torch::randn({53, 16}, torch::requires_grad()),
         torch::randint(53, {3, 10})};
  c.targets.index_put_({0, torch::indexing::Slice(0, 4)}, data::kIgnoreIndex);
  c.targets.index_put_({2, 9}, data::kIgnoreIndex);
  return c;
}

struct Result {
  double loss;
  torch::Tensor d_hidden, d_weight;
};

Result run(const Case& c, bool chunked, double smoothing, int64_t chunk, bool fused = false) {
  c.hidden.mutable_grad() = torch::Tensor();
  c.weight.mutable_grad() = torch::Tensor();
  const auto loss = chunked ? training::chunked_lm_loss(c.hidden, c.weight, c.targets, {smoothing, chunk, fused})
                            : training::summed_token_loss(torch::nn::functional::linear(c.hidden, c.weight), c.targets,
                                                         smoothing);
  (loss * 0.37).backward();  // a loss gradient other than 1 reaches both inputs scaled
  return {loss.item<double>(), c.hidden.grad().clone(), c.weight.grad().clone()};
}

void expect_close(const Result& a, const Result& b) {
  EXPECT_NEAR(a.loss, b.loss, 1e-4 * std::abs(b.loss));
  EXPECT_TRUE(torch::allclose(a.d_hidden, b.d_hidden, 1e-4, 1e-6));
  EXPECT_TRUE(torch::allclose(a.d_weight, b.d_weight, 1e-4, 1e-6));
}

}  // namespace

TEST(ChunkedLmLoss, MatchesLogitsThenCrossEntropyInAnyChunking) {
  const auto c = make_case();
  const auto reference = run(c, false, 0.0, 0);
  for (int64_t chunk : {1, 7, 30, 0}) {
    SCOPED_TRACE(chunk);
    expect_close(run(c, true, 0.0, chunk), reference);
  }
  // Ignored targets: their hidden states get no gradient.
  EXPECT_EQ(run(c, true, 0.0, 7).d_hidden[0].narrow(0, 0, 4).abs().max().item<double>(), 0.0);
}

TEST(ChunkedLmLoss, MatchesWithLabelSmoothing) {
  const auto c = make_case();
  expect_close(run(c, true, 0.1, 4), run(c, false, 0.1, 0));
}

TEST(ChunkedLmLoss, FusedKernelMatchesTheLibTorchOps) {
  const auto c = make_case();
  for (const double smoothing : {0.0, 0.1}) {
    SCOPED_TRACE(smoothing);
    expect_close(run(c, true, smoothing, 7, /*fused=*/true), run(c, false, smoothing, 0));
  }
}

TEST(ChunkedLmLoss, FusedKernelUnderBf16MatchesTheLibTorchOps) {
  const auto c = make_case();
  auto bf16 = [&](bool fused) {
    training::AutocastScope autocast(c10::Device(c10::kCPU), training::Precision::kBf16);
    return run(c, true, 0.1, 8, fused);
  };
  const auto fused = bf16(true), unfused = bf16(false);
  EXPECT_NEAR(fused.loss, unfused.loss, 1e-4 * unfused.loss);  // same bf16 logits, both summed in fp32
  EXPECT_TRUE(torch::allclose(fused.d_hidden, unfused.d_hidden, 1e-2, 1e-3));
  EXPECT_TRUE(torch::allclose(fused.d_weight, unfused.d_weight, 1e-2, 1e-3));
}

TEST(ChunkedLmLoss, FrozenHeadGetsNoGradient) {
  auto c = make_case();
  c.weight = c.weight.detach();
  training::chunked_lm_loss(c.hidden, c.weight, c.targets).backward();
  EXPECT_TRUE(c.hidden.grad().defined());
  EXPECT_FALSE(c.weight.grad().defined());
}

TEST(ChunkedLmLoss, Bf16AutocastRunsTheMatmulsInBf16AndTracksFp32) {
  const auto c = make_case();
  const auto fp32 = run(c, true, 0.0, 8);
  c.hidden.mutable_grad() = torch::Tensor();
  c.weight.mutable_grad() = torch::Tensor();
  torch::Tensor loss;
  {
    training::AutocastScope autocast(c10::Device(c10::kCPU), training::Precision::kBf16);
    loss = training::chunked_lm_loss(c.hidden, c.weight, c.targets, {0.0, 8});
  }
  loss.backward();
  EXPECT_EQ(loss.scalar_type(), torch::kFloat);
  EXPECT_EQ(c.weight.grad().scalar_type(), torch::kFloat);
  EXPECT_NE(loss.item<double>(), fp32.loss);
  EXPECT_NEAR(loss.item<double>(), fp32.loss, 0.02 * fp32.loss);
  EXPECT_TRUE(torch::allclose(c.weight.grad(), fp32.d_weight / 0.37, 0.05, 0.05));
}

TEST(ChunkedLmLoss, WrongShapesAreErrors) {
  const auto c = make_case();
  using test_support::error_of;
  EXPECT_THAT(error_of<c10::Error>([&] { training::chunked_lm_loss(c.hidden, torch::randn({53, 15}), c.targets); }),
              testing::HasSubstr("chunked_lm_loss: weight must be [vocab, 16]"));
  EXPECT_THAT(error_of<c10::Error>([&] { training::chunked_lm_loss(c.hidden, c.weight, c.targets.narrow(1, 0, 9)); }),
              testing::HasSubstr("chunked_lm_loss: 27 targets for 30 tokens"));
}
