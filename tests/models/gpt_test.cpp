#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "models/gpt.h"
#include "models/kv_cache.h"
#include "models/rotary.h"
#include "tests/support/error_of.h"
#include "tests/support/tiny_model.h"

using anvil::models::GPT;
using anvil::models::GPTConfig;
using anvil::models::PositionEncoding;
using anvil::test_support::error_of;

namespace {

GPTConfig small_config(PositionEncoding position = PositionEncoding::kLearned, bool bias = true) {
  auto c = anvil::test_support::tiny_gpt_config(50, 16, 2, 4, 32);
  c.bias = bias;
  c.position = position;
  return c;
}

}  // namespace

TEST(GPT, LogitsHaveShapeBatchTimeVocab) {
  torch::manual_seed(0);
  GPT model(small_config());
  const auto logits = model->forward(torch::randint(50, {3, 10}));
  EXPECT_EQ(logits.sizes(), (std::vector<int64_t>{3, 10, 50}));
}

namespace {

// Changing token 9 must leave every earlier position's logits untouched and
// change position 9's.
void expect_causal(const GPTConfig& config) {
  torch::manual_seed(0);
  GPT model(config);
  model->eval();
  auto tokens = torch::randint(config.vocab_size, {2, 16});
  const auto before = model->forward(tokens);
  auto changed = tokens.clone();
  changed.select(1, 9).add_(1).remainder_(config.vocab_size);
  const auto after = model->forward(changed);
  EXPECT_TRUE(torch::allclose(before.narrow(1, 0, 9), after.narrow(1, 0, 9), 0.0, 0.0));
  EXPECT_FALSE(torch::allclose(before.select(1, 9), after.select(1, 9)));
}

}  // namespace

class GPTCausality : public ::testing::TestWithParam<PositionEncoding> {};

TEST_P(GPTCausality, FutureTokensDoNotChangeEarlierLogits) { expect_causal(small_config(GetParam())); }

INSTANTIATE_TEST_SUITE_P(Positions, GPTCausality,
                         ::testing::Values(PositionEncoding::kLearned, PositionEncoding::kSinusoidal,
                                           PositionEncoding::kRotary));

namespace {

// Two documents packed into one row with segments give each document's
// logits exactly as if it were alone: no attention across the boundary, and
// positions restart at the second document.
void expect_packed_equals_separate(const GPTConfig& config) {
  torch::manual_seed(0);
  GPT model(config);
  model->eval();
  const auto first = torch::randint(config.vocab_size, {1, 5}), second = torch::randint(config.vocab_size, {1, 9});
  const auto packed = torch::cat({first, second}, 1);
  const auto segments = torch::cat({torch::zeros({1, 5}, torch::kLong), torch::ones({1, 9}, torch::kLong)}, 1);
  const auto logits = model->forward(packed, nullptr, segments);
  EXPECT_TRUE(torch::allclose(logits.narrow(1, 0, 5), model->forward(first), 1e-5, 1e-5));
  EXPECT_TRUE(torch::allclose(logits.narrow(1, 5, 9), model->forward(second), 1e-5, 1e-5));
  // Without segments the second document sees the first: the check above can fail.
  EXPECT_FALSE(torch::allclose(model->forward(packed).narrow(1, 5, 9), model->forward(second), 1e-3, 1e-3));
}

}  // namespace

TEST_P(GPTCausality, PackedDocumentsDoNotSeeEachOther) { expect_packed_equals_separate(small_config(GetParam())); }

TEST(GPT, ParameterCountMatchesTheArchitecture) {
  const auto c = small_config(PositionEncoding::kLearned, /*bias=*/false);
  GPT model(c);
  const int64_t C = c.n_embd;
  // Token and position embeddings (the LM head shares the token embedding),
  // per block: two LayerNorm gains, qkv + proj (4C²), MLP (8C²); final LayerNorm.
  const int64_t expected = c.vocab_size * C + c.block_size * C + c.n_layer * (2 * C + 12 * C * C) + C;
  EXPECT_EQ(model->num_parameters(), expected);
}

TEST(GPT, LmHeadIsTiedToTheTokenEmbedding) {
  torch::manual_seed(0);
  GPT model(small_config());
  auto logits = model->forward(torch::randint(50, {1, 4}));
  logits.sum().backward();
  // The only [vocab, C] parameter is the embedding; the head's gradient lands on it.
  int matrices_with_vocab_rows = 0;
  for (const auto& p : model->parameters()) matrices_with_vocab_rows += p.dim() == 2 && p.size(0) == 50;
  EXPECT_EQ(matrices_with_vocab_rows, 1);
  EXPECT_TRUE(model->token_embedding->weight.grad().abs().sum().item<double>() > 0);
}

TEST(GPT, ResidualProjectionsUseScaledInit) {
  torch::manual_seed(0);
  auto c = small_config();
  c.n_embd = 256;
  c.n_layer = 8;
  GPT model(c);
  for (const auto& item : model->named_parameters()) {
    const auto& name = item.key();
    const double std = item.value().std().item<double>();
    if (name.find("attn.proj.weight") != std::string::npos || name.find("mlp.proj.weight") != std::string::npos)
      EXPECT_NEAR(std, 0.02 / std::sqrt(16.0), 0.0008) << name;
    else if (name.find("qkv.weight") != std::string::npos)
      EXPECT_NEAR(std, 0.02, 0.001) << name;
    else if (name.find("bias") != std::string::npos)
      EXPECT_EQ(item.value().abs().sum().item<double>(), 0.0) << name;
  }
}

TEST(GPT, SequenceLongerThanBlockIsAnError) {
  GPT model(small_config());
  EXPECT_THAT(error_of<std::invalid_argument>([&] { model->forward(torch::zeros({1, 17}, torch::kLong)); }),
              testing::HasSubstr("sequence of 17 tokens exceeds block_size 16"));
}

TEST(GPT, DropoutOnlyActsInTrainingMode) {
  torch::manual_seed(0);
  auto c = small_config();
  c.dropout = 0.5;
  GPT model(c);
  const auto tokens = torch::randint(50, {2, 8});
  model->eval();
  EXPECT_TRUE(model->forward(tokens).equal(model->forward(tokens)));
  model->train();
  EXPECT_FALSE(model->forward(tokens).equal(model->forward(tokens)));
}

TEST(GPT, HeadsMustDivideWidth) {
  auto c = small_config();
  c.n_head = 5;
  EXPECT_THAT(error_of<std::invalid_argument>([&] { GPT{c}; }), testing::HasSubstr("must be divisible by n_head (5)"));
}

namespace {

GPTConfig llama_config() {
  auto c = anvil::test_support::tiny_gpt_config(50, 16, 2, 4, 32);
  c.n_kv_head = 2;
  c.bias = false;
  c.tie_embeddings = false;
  c.position = PositionEncoding::kRotary;
  c.norm = anvil::models::NormKind::kRMSNorm;
  c.mlp = anvil::models::MlpKind::kSwiGLU;
  return c;
}

}  // namespace

TEST(Llama, IsCausalAndCountsItsParameters) {
  const auto c = llama_config();
  expect_causal(c);
  GPT model(c);

  const int64_t C = 32, kv = 2 * 8, hidden = 128;  // 8/3·32 rounded up to 64; kv width = 2 heads · 8
  // Embedding and untied head, per block: two RMSNorm gains, q + k + v + o, three SwiGLU matrices; final norm.
  const int64_t per_block = 2 * C + (C * C + 2 * C * kv + C * C) + 3 * C * hidden;
  EXPECT_EQ(model->num_parameters(), 2 * 50 * C + 2 * per_block + C);
}

TEST(Llama, RotaryAttentionDependsOnRelativePositionOnly) {
  // The attention score of a rotated query and key depends on how far apart
  // they are, not on where they are.
  const auto tables = anvil::models::rotary_tables(64, 8, 10000.0);
  torch::manual_seed(0);
  const auto q = torch::randn({1, 1, 1, 8}), k = torch::randn({1, 1, 1, 8});
  auto score = [&](int64_t qpos, int64_t kpos) {
    return (anvil::models::apply_rotary(q, tables, qpos) * anvil::models::apply_rotary(k, tables, kpos)).sum().item<double>();
  };
  EXPECT_NEAR(score(10, 7), score(40, 37), 1e-4);
  EXPECT_NEAR(score(3, 3), (q * k).sum().item<double>(), 1e-4);
  EXPECT_GT(std::abs(score(10, 7) - score(10, 2)), 1e-3);
}

TEST(Llama, GroupedQueryCacheMatchesRecomputation) {
  torch::manual_seed(0);
  GPT model(llama_config());
  model->eval();
  torch::NoGradGuard no_grad;
  const auto tokens = torch::randint(50, {1, 12});
  const auto full = model->forward(tokens);
  anvil::models::KVCache cache;
  model->forward(tokens.narrow(1, 0, 5), &cache);
  const auto rest = model->forward(tokens.narrow(1, 5, 7), &cache);
  EXPECT_TRUE(torch::allclose(rest, full.narrow(1, 5, 7), 1e-4, 1e-4));
  EXPECT_EQ(cache.keys[0].size(1), 2);  // the cache holds the shared key/value heads only
}

TEST(Llama, GroupsMustDivideHeads) {
  auto c = llama_config();
  c.n_kv_head = 3;
  EXPECT_THAT(error_of<std::invalid_argument>([&] { GPT{c}; }),
              testing::HasSubstr("must be divisible by n_kv_head (3)"));
}
