#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>
#include <set>

#include <torch/csrc/autograd/function.h>
#include <torch/nn/functional/loss.h>

#include "models/activation_checkpoint.h"
#include "models/gpt.h"
#include "models/transformer_block.h"
#include "tests/support/error_of.h"
#include "tests/support/tiny_model.h"

using namespace anvil;

namespace {

models::GPTConfig config_with(models::PositionEncoding position, double dropout) {
  auto c = test_support::tiny_gpt_config(37, 16, 4, 4, 32);
  c.position = position;
  c.dropout = dropout;
  return c;
}

struct Gradients {
  double loss;
  std::map<std::string, torch::Tensor> grads;
  torch::Tensor next_random;  // a draw after backward: the recompute must leave the stream where it was
};

// Loss and gradients of one training step, with every `every`th block checkpointed.
Gradients train_step(models::GPTConfig c, int64_t every, const torch::Tensor& segments = {}) {
  c.activation_checkpointing = every;
  torch::manual_seed(0);
  models::GPT model(c);
  torch::manual_seed(1);
  const auto tokens = torch::randint(c.vocab_size, {3, c.block_size});
  torch::manual_seed(2);  // the dropout masks
  const auto logits = model->forward(tokens, nullptr, segments);
  const auto loss = torch::nn::functional::cross_entropy(logits.reshape({-1, c.vocab_size}), tokens.reshape({-1}));
  loss.backward();
  Gradients g{loss.item<double>(), {}, torch::rand({4})};
  for (const auto& p : model->named_parameters()) g.grads[p.key()] = p.value().grad();
  return g;
}

void expect_same(const Gradients& plain, const Gradients& checkpointed) {
  EXPECT_DOUBLE_EQ(plain.loss, checkpointed.loss);
  ASSERT_EQ(plain.grads.size(), checkpointed.grads.size());
  for (const auto& [name, grad] : plain.grads) {
    ASSERT_TRUE(checkpointed.grads.at(name).defined()) << name;
    EXPECT_TRUE(torch::allclose(grad, checkpointed.grads.at(name), 1e-5, 1e-7)) << name;
  }
  EXPECT_TRUE(torch::equal(plain.next_random, checkpointed.next_random));
}

// Backward operations reachable from a tensor (parameters' gradient
// accumulators aside): each holds the activations it needs.
size_t backward_ops(const torch::Tensor& t) {
  std::set<torch::autograd::Node*> seen;
  size_t ops = 0;
  std::function<void(torch::autograd::Node*)> visit = [&](torch::autograd::Node* n) {
    if (!n || !seen.insert(n).second) return;
    if (n->name() != "torch::autograd::AccumulateGrad") ++ops;
    for (const auto& edge : n->next_edges()) visit(edge.function.get());
  };
  visit(t.grad_fn().get());
  return ops;
}

}  // namespace

TEST(ActivationCheckpointing, EveryBlockGivesTheSameGradientsWithDropout) {
  const auto c = config_with(models::PositionEncoding::kLearned, 0.2);
  expect_same(train_step(c, 0), train_step(c, 1));
}

TEST(ActivationCheckpointing, EveryOtherBlockWithRotaryPositionsAndPackedDocuments) {
  const auto c = config_with(models::PositionEncoding::kRotary, 0.1);
  const auto segments = torch::tensor({0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2}).expand({3, 16}).contiguous();
  expect_same(train_step(c, 0, segments), train_step(c, 2, segments));
}

TEST(ActivationCheckpointing, FrozenInputStillTrainsTheBlock) {
  // The first block's input comes from a frozen embedding: only its weights need gradients.
  auto c = config_with(models::PositionEncoding::kRotary, 0.0);
  c.activation_checkpointing = 1;
  torch::manual_seed(0);
  models::GPT model(c);
  model->token_embedding->weight.set_requires_grad(false);
  model->forward(torch::randint(c.vocab_size, {2, 8})).sum().backward();
  EXPECT_FALSE(model->token_embedding->weight.grad().defined());
  EXPECT_GT(model->blocks[0]->as<models::TransformerBlockImpl>()->attn->qkv->weight.grad().abs().sum().item<double>(), 0);
}

TEST(ActivationCheckpointing, GraphKeepsNothingInsideCheckpointedBlocks) {
  auto c = config_with(models::PositionEncoding::kLearned, 0.0);
  const auto tokens = torch::randint(c.vocab_size, {2, 16});
  torch::manual_seed(0);
  const auto plain = models::GPT(c)->forward(tokens);
  c.activation_checkpointing = 1;
  torch::manual_seed(0);
  const auto checkpointed = models::GPT(c)->forward(tokens);
  EXPECT_TRUE(torch::equal(plain, checkpointed));
  // Four blocks of a few dozen operations each become one per block.
  EXPECT_LT(backward_ops(checkpointed) * 4, backward_ops(plain)) << backward_ops(checkpointed) << " vs "
                                                                 << backward_ops(plain);
}

TEST(ActivationCheckpointing, OffInEvaluationAndWithoutGrad) {
  auto c = config_with(models::PositionEncoding::kLearned, 0.0);
  c.activation_checkpointing = 1;
  models::GPT model(c);
  const auto tokens = torch::randint(c.vocab_size, {1, 8});
  model->eval();
  EXPECT_NE(model->forward(tokens).grad_fn()->name(), "anvil::RecomputeBackward");
  model->train();
  torch::NoGradGuard no_grad;
  EXPECT_FALSE(model->forward(tokens).requires_grad());
}

TEST(ActivationCheckpointing, MatchesThePlainFunctionAndRunsBackwardOnce) {
  const auto w = torch::randn({4, 4}, torch::requires_grad());
  const auto x = torch::randn({2, 4}, torch::requires_grad());
  const auto y = models::checkpointed([w](const torch::Tensor& h) { return h.matmul(w).tanh(); }, x, {w});
  y.sum().backward();
  const auto dw = w.grad().clone();
  // Against the same function run plainly.
  const auto w2 = w.detach().clone().requires_grad_(), x2 = x.detach().clone().requires_grad_();
  x2.matmul(w2).tanh().sum().backward();
  EXPECT_TRUE(torch::allclose(dw, w2.grad()));
  EXPECT_TRUE(torch::allclose(x.grad(), x2.grad()));
  EXPECT_THAT(test_support::error_of<c10::Error>([&] { y.sum().backward(); }),
              testing::HasSubstr("a checkpointed block was run backward twice"));
}
