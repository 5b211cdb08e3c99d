#include <gtest/gtest.h>

#include <cmath>
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

namespace {

// Every parameter's value and AdamW moments, and its step count, as copies.
struct Snapshot {
  std::vector<torch::Tensor> values;
  std::vector<int64_t> steps;
};

Snapshot snapshot(models::GPT& model, training::ShardedAdamW& optimizer) {
  Snapshot s;
  for (const auto& p : model->parameters()) s.values.push_back(p.detach().clone());
  auto& full = optimizer.gather_full_state();
  for (const auto& p : model->parameters()) {
    const auto it = full.state().find(p.unsafeGetTensorImpl());
    if (it == full.state().end()) continue;
    const auto& state = static_cast<const torch::optim::AdamWParamState&>(*it->second);
    s.values.push_back(state.exp_avg().clone());
    s.values.push_back(state.exp_avg_sq().clone());
    s.steps.push_back(state.step());
  }
  return s;
}

bool identical(const Snapshot& a, const Snapshot& b) {
  if (a.values.size() != b.values.size() || a.steps != b.steps) return false;
  for (size_t i = 0; i < a.values.size(); ++i)
    if (!torch::equal(a.values[i], b.values[i])) return false;
  return true;
}

void expect_poisoned_step_changes_nothing(bool fused) {
  torch::manual_seed(3);
  const auto tokens = torch::randint(11, {4, 9});
  training::Communicator single;
  auto model = seeded_model();
  training::AdamWOptions o;
  o.lr = 3e-3;
  o.fused = fused;
  training::TrainStep step(model, std::make_unique<training::ShardedAdamW>(model->parameters(), o, single, false),
                           single, kCpu, training::StepOptions{});
  const auto batch = rows(tokens, 0, 4);
  step.run([&] { return batch; });
  const auto before = snapshot(model, step.optimizer());
  step.poison_next_step();
  const auto poisoned = step.run([&] { return batch; });
  EXPECT_EQ(poisoned.skipped.item<float>(), 1.0f);
  EXPECT_TRUE(std::isnan(poisoned.loss_sum.item<double>()));
  step.optimizer().uncount_steps(1);  // as the trainer does before a checkpoint
  EXPECT_TRUE(identical(before, snapshot(model, step.optimizer())));
  // The next step is a normal one, and continues from the state before the poisoned step.
  const auto next = step.run([&] { return batch; });
  EXPECT_EQ(next.skipped.item<float>(), 0.0f);
  EXPECT_FALSE(identical(before, snapshot(model, step.optimizer())));
  EXPECT_EQ(snapshot(model, step.optimizer()).steps.front(), 2);
}

}  // namespace

TEST(TrainStep, NonFiniteStepChangesNoWeightNorMomentWithTheFusedAdamW) { expect_poisoned_step_changes_nothing(true); }

TEST(TrainStep, NonFiniteStepChangesNoWeightNorMomentWithTorchsAdamW) { expect_poisoned_step_changes_nothing(false); }

// A skipped step leaves the next steps exactly as if it had never been run:
// the step counts the kernel's bias correction reads are taken back too.
TEST(TrainStep, StepsAfterASkippedOneEqualThoseOfARunWithoutIt) {
  torch::manual_seed(4);
  const auto tokens = torch::randint(11, {4, 9});
  training::Communicator single;
  auto skipped = seeded_model(), plain = seeded_model();
  training::TrainStep with_skip(skipped, adamw(skipped, single), single, kCpu, training::StepOptions{});
  training::TrainStep without(plain, adamw(plain, single), single, kCpu, training::StepOptions{});
  const auto batch = rows(tokens, 0, 4);
  with_skip.run([&] { return batch; });
  with_skip.poison_next_step();
  with_skip.run([&] { return batch; });
  for (int i = 0; i < 3; ++i) with_skip.run([&] { return batch; });
  for (int i = 0; i < 4; ++i) without.run([&] { return batch; });
  EXPECT_EQ(max_difference(skipped, plain), 0.0);
}
