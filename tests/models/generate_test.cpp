#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <ATen/CPUGeneratorImpl.h>

#include "models/generate.h"
#include "tests/support/error_of.h"
#include "tests/support/tiny_model.h"

using namespace anvil::models;
using anvil::test_support::error_of;

namespace {

GPT random_model(PositionEncoding position = PositionEncoding::kLearned) {
  auto c = anvil::test_support::tiny_gpt_config(40, 12, 2, 2, 32);
  c.position = position;
  torch::manual_seed(0);
  GPT model(c);
  // Larger weights than the init make the logits peaked, so greedy choices are
  // far from ties and the comparison below is meaningful.
  torch::NoGradGuard no_grad;
  for (auto& p : model->parameters()) p.mul_(8);
  return model;
}

}  // namespace

TEST(KVCache, CachedLogitsEqualFullRecomputation) {
  auto model = random_model();
  model->eval();
  torch::NoGradGuard no_grad;
  const auto tokens = torch::randint(40, {2, 10});
  const auto full = model->forward(tokens);
  KVCache cache;
  const auto prefix = model->forward(tokens.narrow(1, 0, 4), &cache);   // prefill 4
  const auto chunk = model->forward(tokens.narrow(1, 4, 3), &cache);    // 3 at once, masked
  std::vector<torch::Tensor> singles;
  for (int64_t t = 7; t < 10; ++t) singles.push_back(model->forward(tokens.narrow(1, t, 1), &cache));
  EXPECT_TRUE(torch::allclose(prefix, full.narrow(1, 0, 4), 1e-4, 1e-4));
  EXPECT_TRUE(torch::allclose(chunk, full.narrow(1, 4, 3), 1e-4, 1e-4));
  EXPECT_TRUE(torch::allclose(torch::cat(singles, 1), full.narrow(1, 7, 3), 1e-4, 1e-4));
  EXPECT_EQ(cache.length, 10);
  EXPECT_THAT(error_of<std::invalid_argument>([&] { model->forward(tokens.narrow(1, 0, 3), &cache); }),
              testing::HasSubstr("sequence of 13 tokens exceeds block_size"));
}

class GreedyGeneration : public ::testing::TestWithParam<PositionEncoding> {};

TEST_P(GreedyGeneration, WithAndWithoutCacheGiveTheSameTokens) {
  auto model = random_model(GetParam());
  SamplingOptions greedy;
  greedy.temperature = 0;
  greedy.max_new_tokens = 30;  // runs past block_size 12: the window slides
  for (const std::vector<int64_t>& prompt : {std::vector<int64_t>{5}, std::vector<int64_t>{1, 2, 3, 4, 5, 6, 7}}) {
    greedy.use_cache = true;
    const auto cached = generate(model, prompt, greedy);
    greedy.use_cache = false;
    const auto uncached = generate(model, prompt, greedy);
    EXPECT_EQ(cached.size(), prompt.size() + 30);
    EXPECT_EQ(cached, uncached);
  }
}

INSTANTIATE_TEST_SUITE_P(Positions, GreedyGeneration,
                         ::testing::Values(PositionEncoding::kLearned, PositionEncoding::kSinusoidal,
                                           PositionEncoding::kRotary));

TEST(Sampling, SeedMakesSamplingRepeatable) {
  auto model = random_model();
  SamplingOptions options;
  options.max_new_tokens = 20;
  options.seed = 3;
  const auto a = generate(model, {1}, options);
  EXPECT_EQ(a, generate(model, {1}, options));
  options.seed = 4;
  EXPECT_NE(a, generate(model, {1}, options));
}

TEST(Sampling, TopKAndTopPKeepOnlyTheLikeliestTokens) {
  const auto logits = torch::tensor({0.0f, 5.0f, 4.0f, -1.0f, 4.5f});
  auto generator = at::make_generator<at::CPUGeneratorImpl>(0);
  SamplingOptions top_k;
  top_k.top_k = 2;  // tokens 1 and 4
  SamplingOptions top_p;
  top_p.top_p = 0.5;  // token 1 alone holds about 0.5 of the mass
  for (int i = 0; i < 200; ++i) {
    const auto k = sample_token(logits, top_k, generator);
    EXPECT_TRUE(k == 1 || k == 4) << k;
    EXPECT_EQ(sample_token(logits, top_p, generator), 1);
  }
  SamplingOptions greedy;
  greedy.temperature = 0;
  EXPECT_EQ(sample_token(logits, greedy, generator), 1);
  SamplingOptions tiny;  // 1/temperature overflows: the likeliest token, not a NaN error
  tiny.temperature = 1e-300;
  EXPECT_EQ(sample_token(logits, tiny, generator), 1);
}

TEST(Generate, NeverSamplesTheVocabularysPaddingRows) {
  auto c = anvil::test_support::tiny_gpt_config(40, 12, 2, 2, 32);
  c.vocab_multiple = 64;
  torch::manual_seed(0);
  GPT model(c);
  EXPECT_EQ(model->forward(torch::randint(40, {1, 5})).size(-1), 64);
  {
    // Make the padding rows the most likely by far: greedy and sampled choices must still skip them.
    torch::NoGradGuard no_grad;
    model->token_embedding->weight.narrow(0, 40, 24).fill_(5.0);
    model->ln_final->bias.fill_(1.0);  // final states sum to n_embd, so padding rows score 5·32
  }
  for (double temperature : {0.0, 1.0}) {
    SamplingOptions o;
    o.max_new_tokens = 20;
    o.temperature = temperature;
    for (int64_t t : generate(model, {1, 2, 3}, o)) EXPECT_LT(t, 40);
  }
}
