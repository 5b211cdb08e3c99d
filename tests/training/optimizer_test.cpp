#include <gtest/gtest.h>

#include <sstream>

#include <torch/nn/utils/clip_grad.h>
#include <torch/serialize.h>

#include "models/gpt.h"
#include "tests/support/parameter_difference.h"
#include "tests/support/tiny_model.h"
#include "training/adamw.h"
#include "training/gradient_clipping.h"

using namespace anvil;

using anvil::test_support::max_difference;

namespace {

// Two models with the same weights, and an optimizer over each.
struct Pair {
  models::GPT a{test_support::tiny_gpt_config(11, 8, 2, 2, 16)};
  models::GPT b{test_support::tiny_gpt_config(11, 8, 2, 2, 16)};
  Pair() {
    torch::NoGradGuard no_grad;
    auto pa = a->parameters(), pb = b->parameters();
    for (size_t i = 0; i < pa.size(); ++i) pb[i].copy_(pa[i]);
  }
};

training::AdamWOptions options(bool fused) {
  training::AdamWOptions o;
  o.lr = 3e-3;
  o.weight_decay = 0.1;
  o.fused = fused;
  return o;
}

// The same pseudo-random gradient for step `step` on both models.
void set_gradients(models::GPT& model, int step) {
  torch::manual_seed(100 + step);
  for (auto& p : model->parameters()) p.mutable_grad() = torch::randn_like(p);
}

}  // namespace

// The plain AdamW runs torch::optim::AdamW's own step: the reference.
TEST(FusedAdamW, MatchesTorchAdamWStepForStep) {
  Pair m;
  training::AdamW fused(m.a->parameters(), options(true));
  training::AdamW plain(m.b->parameters(), options(false));
  for (int step = 0; step < 6; ++step) {
    fused.set_learning_rate(1e-3 * (step + 1));
    plain.set_learning_rate(1e-3 * (step + 1));
    set_gradients(m.a, step);
    set_gradients(m.b, step);
    fused.step();
    plain.step();
    EXPECT_LT(max_difference(m.a, m.b), 1e-6) << "step " << step;
  }
}

TEST(FusedAdamW, StateSavedMidRunContinuesInEitherOptimizer) {
  Pair m;
  auto straight = std::make_unique<training::AdamW>(m.a->parameters(), options(true));
  auto first_half = std::make_unique<training::AdamW>(m.b->parameters(), options(true));
  for (int step = 0; step < 3; ++step) {
    set_gradients(m.a, step);
    set_gradients(m.b, step);
    straight->step();
    first_half->step();
  }
  std::stringstream saved;
  torch::save(*first_half, saved);
  // Continue model b with a fresh fused optimizer, then with a plain one, loaded from the save.
  for (const bool fused : {true, false}) {
    Pair resumed_pair;
    {
      torch::NoGradGuard no_grad;
      auto pb = m.b->parameters(), pr = resumed_pair.b->parameters();
      for (size_t i = 0; i < pb.size(); ++i) pr[i].copy_(pb[i]);
    }
    auto resumed = std::make_unique<training::AdamW>(resumed_pair.b->parameters(), options(fused));
    saved.seekg(0);
    torch::load(*resumed, saved);
    for (int step = 3; step < 5; ++step) {
      set_gradients(resumed_pair.b, step);
      resumed->step();
    }
    // model a goes on with its uninterrupted optimizer; compare once, on the first pass.
    if (fused) {
      for (int step = 3; step < 5; ++step) {
        set_gradients(m.a, step);
        straight->step();
      }
    }
    EXPECT_LT(max_difference(m.a, resumed_pair.b), 1e-6) << (fused ? "fused" : "plain");
  }
}

// What a CUDA graph's replays rely on: the learning rate read from a tensor
// that set_learning_rate fills, and the host's step counts advanced without step().
TEST(FusedAdamW, LearningRateReadFromATensorMatchesTheOption) {
  Pair m;
  training::AdamW from_tensor(m.a->parameters(), options(true));
  training::AdamW from_option(m.b->parameters(), options(true));
  from_tensor.read_learning_rates_from_device();
  for (int step = 0; step < 4; ++step) {
    from_tensor.set_learning_rate(1e-3 * (step + 1));
    from_option.set_learning_rate(1e-3 * (step + 1));
    set_gradients(m.a, step);
    set_gradients(m.b, step);
    from_tensor.step();
    from_option.step();
    EXPECT_LT(max_difference(m.a, m.b), 1e-7) << "step " << step;
  }
  from_tensor.count_replayed_step();
  for (const auto& p : m.a->parameters()) {
    const auto& state = from_tensor.state().at(p.unsafeGetTensorImpl());
    EXPECT_EQ(static_cast<torch::optim::AdamWParamState&>(*state).step(), 5);
  }
}

TEST(AdamW, DecaysMatricesAndEmbeddingsButNotBiasesOrNormGains) {
  for (const bool fused : {true, false}) {
    models::GPT model(test_support::tiny_gpt_config(11, 8, 1, 2, 16));
    training::AdamW optimizer(model->parameters(), options(fused));
    std::vector<torch::Tensor> before;
    for (const auto& p : model->parameters()) {
      before.push_back(p.detach().clone());
      p.mutable_grad() = torch::zeros_like(p);  // with zero gradients only decay moves a weight
    }
    optimizer.step();
    auto params = model->parameters();
    for (size_t i = 0; i < params.size(); ++i) {
      const bool moved = !params[i].equal(before[i]);
      EXPECT_EQ(moved, params[i].dim() >= 2 && before[i].abs().sum().item<double>() > 0)
          << (fused ? "fused" : "plain") << " parameter " << i << " of dim " << params[i].dim();
    }
  }
}

// Clipping divides the gradients inside the AdamW step. Adam hardly sees one
// step's scale, so the gradients' norms jump across max_norm from step to
// step: the moments then mix clipped and unclipped gradients as torch's
// clip_grad_norm_ followed by AdamW mixes them.
TEST(ClipGradNorm, DividingInTheStepMatchesTorchsClipThenAdamW) {
  const double max_norm = 1.0;
  for (const bool fused : {true, false}) {
    Pair m;
    training::AdamW ours(m.a->parameters(), options(fused));
    training::AdamW theirs(m.b->parameters(), options(false));
    const double scales[] = {50.0, 0.01, 5.0, 0.1};
    for (int step = 0; step < 4; ++step) {
      set_gradients(m.a, step);
      set_gradients(m.b, step);
      for (auto* model : {&m.a, &m.b})
        for (auto& p : (*model)->parameters()) p.mutable_grad().mul_(scales[step]);
      const auto norm = training::gradient_norm(m.a->parameters());
      const double expected = torch::nn::utils::clip_grad_norm_(m.b->parameters(), max_norm);
      EXPECT_NEAR(norm.item<double>(), expected, 1e-5 * expected);
      ours.step_dividing_gradients(training::clip_divisor(norm, max_norm));
      theirs.step();
      EXPECT_LT(max_difference(m.a, m.b), 1e-6) << (fused ? "fused" : "plain") << " step " << step;
    }
  }
}
