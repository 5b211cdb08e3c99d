// The scorer's two paths (a shared context run once through the KV cache, and
// longest-first right-padded batches) against the plain definition: one
// forward pass over context + continuation, log-softmax, the sum.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include "benchmarks/loglikelihood.h"
#include "tests/support/tiny_model.h"

namespace anvil::benchmarks {
namespace {

models::GPT random_model(models::PositionEncoding position) {
  auto c = test_support::tiny_gpt_config(40, 16, 2, 2, 32);
  c.position = position;
  torch::manual_seed(0);
  models::GPT model(c);
  torch::NoGradGuard no_grad;
  for (auto& p : model->parameters()) p.mul_(4);  // peaked logits: greedy far from ties
  return model;
}

// The definition, with the harness's left truncation to block_size + 1 tokens.
Loglikelihood reference(models::GPT& model, const std::vector<int64_t>& context, const std::vector<int64_t>& cont) {
  torch::NoGradGuard no_grad;
  model->eval();
  std::vector<int64_t> whole(context);
  whole.insert(whole.end(), cont.begin(), cont.end());
  const auto keep = std::min<size_t>(whole.size(), static_cast<size_t>(model->config.block_size) + 1);
  std::vector<int64_t> window(whole.end() - static_cast<std::ptrdiff_t>(keep), whole.end());
  const auto input = torch::tensor(std::vector<int64_t>(window.begin(), window.end() - 1), torch::kLong).unsqueeze(0);
  const auto logp = model->forward(input)[0].to(torch::kDouble).log_softmax(-1);
  Loglikelihood out{0, true};
  const auto n = static_cast<int64_t>(cont.size()), first = input.size(1) - n;
  for (int64_t i = 0; i < n; ++i) {
    out.logprob += logp[first + i][cont[static_cast<size_t>(i)]].item<double>();
    out.greedy = out.greedy && logp[first + i].argmax().item<int64_t>() == cont[static_cast<size_t>(i)];
  }
  return out;
}

std::vector<int64_t> random_tokens(int64_t n) {
  const auto t = torch::randint(40, {n}, torch::kLong);
  return {t.data_ptr<int64_t>(), t.data_ptr<int64_t>() + n};
}

void expect_matches_reference(models::PositionEncoding position) {
  auto model = random_model(position);
  torch::manual_seed(1);
  std::vector<ScoreGroup> groups = {
      {random_tokens(7), {random_tokens(1), random_tokens(4), random_tokens(2)}},  // shared context, ragged choices
      {random_tokens(3), {random_tokens(5)}},                                       // one continuation
      {random_tokens(30), {random_tokens(4), random_tokens(6)}},                    // too long together: truncated
      {random_tokens(12), {random_tokens(1), random_tokens(1)}},                    // single-token choices
  };
  for (int64_t batch_tokens : {16, 4096}) {
    const auto scored = score_groups(model, groups, {batch_tokens});
    ASSERT_EQ(scored.size(), groups.size());
    for (size_t g = 0; g < groups.size(); ++g) {
      for (size_t c = 0; c < groups[g].continuations.size(); ++c) {
        const auto want = reference(model, groups[g].context, groups[g].continuations[c]);
        EXPECT_NEAR(scored[g][c].logprob, want.logprob, 1e-4) << "group " << g << " continuation " << c;
        EXPECT_EQ(scored[g][c].greedy, want.greedy) << "group " << g << " continuation " << c;
      }
    }
  }
}

TEST(Loglikelihood, MatchesTheDefinitionWithLearnedPositions) { expect_matches_reference(models::PositionEncoding::kLearned); }
TEST(Loglikelihood, MatchesTheDefinitionWithRotaryPositions) { expect_matches_reference(models::PositionEncoding::kRotary); }

TEST(Loglikelihood, GreedyContinuationIsRecognised) {
  auto model = random_model(models::PositionEncoding::kRotary);
  torch::NoGradGuard no_grad;
  std::vector<int64_t> tokens = {3, 7, 1};
  for (int i = 0; i < 3; ++i) {  // extend greedily
    const auto logits = model->forward(torch::tensor(tokens, torch::kLong).unsqueeze(0));
    tokens.push_back(logits[0][-1].argmax().item<int64_t>());
  }
  const ScoreGroup group{{3, 7, 1}, {{tokens.begin() + 3, tokens.end()}, {(tokens[3] + 1) % 40}}};
  const auto scored = score_groups(model, {group}, {});
  EXPECT_TRUE(scored[0][0].greedy);
  EXPECT_FALSE(scored[0][1].greedy);
}

TEST(Loglikelihood, EmptyRequestsAreRefused) {
  auto model = random_model(models::PositionEncoding::kRotary);
  EXPECT_THROW(score_groups(model, {{{}, {{1}}}}, {}), std::invalid_argument);
  EXPECT_THROW(score_groups(model, {{{1}, {{}}}}, {}), std::invalid_argument);
}

}  // namespace
}  // namespace anvil::benchmarks
