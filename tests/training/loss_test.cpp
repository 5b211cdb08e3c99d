#include <gtest/gtest.h>

#include <cmath>

#include "data/batch.h"
#include "training/loss.h"

using anvil::training::summed_token_loss;

TEST(Loss, SumsNegativeLogLikelihoodAndSkipsIgnoredTargets) {
  torch::manual_seed(0);
  const auto logits = torch::randn({1, 3, 5});
  const auto targets = torch::tensor({{int64_t{2}, anvil::data::kIgnoreIndex, int64_t{4}}});
  const auto log_probs = torch::log_softmax(logits, -1);
  const double expected = -(log_probs[0][0][2].item<double>() + log_probs[0][2][4].item<double>());
  EXPECT_NEAR(summed_token_loss(logits, targets).item<double>(), expected, 1e-5);
  EXPECT_EQ(anvil::training::count_loss_tokens(targets), 2);
}

TEST(Loss, LabelSmoothingMixesInTheUniformDistribution) {
  torch::manual_seed(0);
  const auto logits = torch::randn({1, 1, 4});
  const auto targets = torch::tensor({{1}});
  const auto log_probs = torch::log_softmax(logits, -1)[0][0];
  const double eps = 0.2;
  const double expected = -(1 - eps) * log_probs[1].item<double>() - eps / 4 * log_probs.sum().item<double>();
  EXPECT_NEAR(summed_token_loss(logits, targets, eps).item<double>(), expected, 1e-5);
}
