#include <gtest/gtest.h>

#include "models/gpt.h"
#include "models/linear.h"
#include "models/lora.h"
#include "models/safetensors.h"
#include "tests/support/tiny_model.h"

using namespace anvil::models;

namespace {

GPTConfig config(MlpKind mlp = MlpKind::kGelu) {
  auto c = anvil::test_support::tiny_gpt_config(40, 16, 2, 4, 32);
  c.mlp = mlp;
  return c;
}

LoraConfig lora(std::vector<std::string> targets) {
  LoraConfig l;
  l.rank = 4;
  l.alpha = 8;
  l.targets = std::move(targets);
  return l;
}

}  // namespace

TEST(Lora, FreshAdaptersChangeNothingAndMergedWeightsGiveTheSameLogits) {
  torch::manual_seed(0);
  GPT model(config());
  model->eval();
  const auto tokens = torch::randint(40, {2, 12});
  const auto before = model->forward(tokens);
  const auto l = lora({"attn.qkv", "attn.proj", "mlp.fc", "mlp.proj"});
  EXPECT_EQ(add_lora(*model, l), 8);  // 4 layers in each of 2 blocks
  EXPECT_TRUE(torch::equal(model->forward(tokens), before));  // B starts at zero

  // Train-like change of the adapters, then fold them in.
  {
    torch::NoGradGuard no_grad;
    for (auto& item : model->named_parameters())
      if (is_lora_tensor(item.key())) item.value().normal_(0, 0.2);
  }
  const auto adapted = model->forward(tokens);
  EXPECT_FALSE(torch::allclose(adapted, before, 1e-3, 1e-3));
  GPT plain(config());
  load_module_state(*plain, merge_lora(module_state(*model), l.scale()), "merged");
  plain->eval();
  EXPECT_LT((plain->forward(tokens) - adapted).abs().max().item<double>(), 1e-5);
}

TEST(Lora, UnknownTargetIsNamed) {
  GPT model(config(MlpKind::kSwiGLU));
  try {
    add_lora(*model, lora({"mlp.fc"}));  // SwiGLU has gate and up, not fc
    FAIL() << "expected an error";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("'mlp.fc' matches no layer"), std::string::npos);
  }
  EXPECT_EQ(add_lora(*model, lora({"mlp.gate", "mlp.up"})), 4);
}

TEST(ClassificationHead, LastPositionReadsTheWholeTextAndMeanPoolingAverages) {
  torch::manual_seed(0);
  auto c = config();
  c.num_classes = 3;
  GPT last(c);
  last->eval();
  const auto tokens = torch::randint(40, {1, 6});
  const auto logits = last->forward(tokens);
  EXPECT_EQ(logits.sizes(), (std::vector<int64_t>{1, 6, 3}));
  // Causal: position 3's logits ignore tokens after it (right padding is harmless).
  auto changed = tokens.clone();
  changed[0][5] = (changed[0][5].item<int64_t>() + 1) % 40;
  EXPECT_TRUE(torch::allclose(last->forward(changed).narrow(1, 0, 5), logits.narrow(1, 0, 5)));
  c.pooling = Pooling::kMean;
  GPT mean(c);
  load_module_state(*mean, module_state(*last), "same weights");
  mean->eval();
  EXPECT_FALSE(torch::allclose(mean->forward(tokens).narrow(1, 5, 1), logits.narrow(1, 5, 1)));
  EXPECT_TRUE(torch::allclose(mean->forward(tokens).narrow(1, 0, 1), logits.narrow(1, 0, 1)));  // one token: same
}
