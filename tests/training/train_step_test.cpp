#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include <torch/nn/utils/clip_grad.h>

#include "models/gpt.h"
#include "tests/support/parameter_difference.h"
#include "tests/support/tiny_model.h"
#include "training/communicator.h"
#include "training/loss.h"
#include "training/train_step.h"

using namespace anvil;

using anvil::test_support::max_difference;

namespace {

const c10::Device kCpu(c10::kCPU);

// A model from seed 0, so every call gives the same weights.
models::GPT seeded_model() {
  torch::manual_seed(0);
  return models::GPT(test_support::tiny_gpt_config(11, 8, 2, 2, 16));
}

std::unique_ptr<training::ShardedAdamW> adamw(models::GPT& model, training::Communicator& comm) {
  training::AdamWOptions o;
  o.lr = 3e-3;
  return std::make_unique<training::ShardedAdamW>(model->parameters(), o, comm, /*shard=*/false);
}

// Rows of 8 tokens predicting the next, the first target of each ignored.
data::Batch rows(const torch::Tensor& tokens, int64_t first, int64_t count) {
  auto targets = tokens.narrow(0, first, count).narrow(1, 1, 8).clone();
  targets.select(1, 0).fill_(data::kIgnoreIndex);
  return {tokens.narrow(0, first, count).narrow(1, 0, 8), targets};
}

}  // namespace

// 4 accumulated micro-batches of 2 rows against one batch of the same 8: the
// loss is normalised by the whole step's tokens, so the step is the same.
TEST(TrainStep, AccumulatedMicroBatchesStepLikeOneLargeBatch) {
  torch::manual_seed(1);
  const auto tokens = torch::randint(11, {8, 9});
  training::Communicator single;
  auto accumulated = seeded_model(), large = seeded_model();
  training::StepOptions options;
  options.grad_accum = 4;
  training::TrainStep four(accumulated, adamw(accumulated, single), single, kCpu, options);
  options.grad_accum = 1;
  training::TrainStep one(large, adamw(large, single), single, kCpu, options);
  int64_t next = 0;
  const auto a = four.run([&] { return rows(tokens, 2 * next++, 2); });
  const auto b = one.run([&] { return rows(tokens, 0, 8); });
  EXPECT_EQ(a.step_tokens, 8.0 * 7);
  EXPECT_EQ(a.positions, 8 * 8);
  EXPECT_NEAR(a.loss_sum.item<double>(), b.loss_sum.item<double>(), 1e-5);
  EXPECT_NEAR(a.grad_norm.item<double>(), b.grad_norm.item<double>(), 1e-5);
  EXPECT_LT(max_difference(accumulated, large), 1e-6);
}

// The step's clipping, folded into the fused AdamW, against torch's
// clip_grad_norm_ then torch's AdamW step, with gradients large enough to clip.
TEST(TrainStep, ClipsAndStepsLikeTorchsClipGradNormThenAdamW) {
  torch::manual_seed(2);
  const auto tokens = torch::randint(11, {4, 9});
  training::Communicator single;
  auto ours = seeded_model(), theirs = seeded_model();
  training::StepOptions options;
  options.grad_clip = 0.05;
  training::TrainStep step(ours, adamw(ours, single), single, kCpu, options);
  training::AdamWOptions plain;
  plain.lr = 3e-3;
  plain.fused = false;
  training::AdamW reference(theirs->parameters(), plain);
  const auto batch = rows(tokens, 0, 4);
  for (int i = 0; i < 3; ++i) {
    const auto result = step.run([&] { return batch; });
    reference.zero_grad();
    const auto loss = training::summed_token_loss(theirs->forward(batch.inputs), batch.targets) / 28.0;
    loss.backward();
    const double norm = torch::nn::utils::clip_grad_norm_(theirs->parameters(), options.grad_clip);
    reference.step();
    EXPECT_GT(norm, options.grad_clip);
    EXPECT_NEAR(result.grad_norm.item<double>(), norm, 1e-5 * norm) << i;
    EXPECT_NEAR(result.loss_sum.item<double>() / result.step_tokens, loss.item<double>(), 1e-6) << i;
    // The fused kernel and torch's per-parameter ops round differently in fp32.
    EXPECT_LT(max_difference(ours, theirs), 5e-6) << i;
  }
}
