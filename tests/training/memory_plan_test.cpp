#include <gtest/gtest.h>

#include <malloc.h>

#include "models/gpt.h"
#include "models/lora.h"
#include "tests/support/tiny_model.h"
#include "training/batch_loss.h"
#include "training/memory_plan.h"
#include "training/precision.h"

using namespace anvil;

namespace {

// Bytes malloc has handed out and not yet taken back (LibTorch's CPU
// allocator allocates through malloc).
double heap_in_use() {
  const auto m = mallinfo2();
  return static_cast<double>(m.uordblks + m.hblkhd);
}

models::GPTConfig base_config() {
  auto c = test_support::tiny_gpt_config(300, 64, 3, 4, 128);
  c.bias = false;
  return c;
}

// What a training forward pass (loss included) leaves allocated for backward.
double measured_activations(const training::PlanInputs& in) {
  torch::manual_seed(0);
  models::GPT model(in.model);
  const int64_t B = in.micro_batch, T = in.model.block_size;
  data::Batch batch{torch::randint(in.model.vocab_size, {B, T}), torch::randint(in.model.vocab_size, {B, T})};
  if (in.document_masks) batch.segments = torch::arange(T).div(T / 4, "floor").expand({B, T}).contiguous();
  auto step = [&] {
    training::AutocastScope autocast(c10::kCPU, in.bf16 ? training::Precision::kBf16 : training::Precision::kFp32);
    return training::summed_batch_loss(model, batch, c10::kCPU, {0.0, {}, in.chunked_loss});
  };
  step().backward();  // the first pass also allocates LibTorch's lazily made buffers
  const double before = heap_in_use();
  auto loss = step();
  const double kept = heap_in_use() - before;
  loss.backward();
  return kept;
}

// Under autocast, forward also keeps the bf16 copies of the weights.
void expect_planned(const training::PlanInputs& in) {
  const auto plan = training::plan_memory(in);
  const double measured = measured_activations(in), planned = plan.activations + plan.weight_copies;
  EXPECT_NEAR(planned, measured, 0.1 * measured) << "planned " << planned << " bytes, measured " << measured;
}

training::PlanInputs inputs(const models::GPTConfig& c) {
  training::PlanInputs in;
  in.model = c;
  in.micro_batch = 8;
  return in;
}

}  // namespace

TEST(MemoryPlan, CountsParametersWithoutBuildingTheModel) {
  auto gpt2 = base_config();
  gpt2.bias = true;
  auto llama = base_config();
  llama.norm = models::NormKind::kRMSNorm;
  llama.mlp = models::MlpKind::kSwiGLU;
  llama.position = models::PositionEncoding::kRotary;
  llama.n_kv_head = 2;
  llama.tie_embeddings = false;
  auto classifier = base_config();
  classifier.num_classes = 3;
  auto padded = llama;
  padded.vocab_multiple = 64;  // 300 -> 320 rows
  for (const auto& c : {gpt2, llama, classifier, padded, base_config()})
    EXPECT_EQ(training::count_parameters(c), models::GPT(c)->num_parameters());
}

TEST(MemoryPlan, ActivationsOfAGpt2BlockMatchWhatForwardKeeps) { expect_planned(inputs(base_config())); }

TEST(MemoryPlan, ActivationsWithAnUnfusedLoss) {
  auto in = inputs(base_config());
  in.chunked_loss = false;
  expect_planned(in);
}

TEST(MemoryPlan, ActivationsWithDocumentMasks) {
  auto in = inputs(base_config());
  in.document_masks = true;
  expect_planned(in);
}

TEST(MemoryPlan, ActivationsWithDropout) {
  auto c = base_config();
  c.dropout = 0.1;
  expect_planned(inputs(c));
}

TEST(MemoryPlan, ActivationsOfALlamaBlock) {
  auto c = base_config();
  c.norm = models::NormKind::kRMSNorm;
  c.mlp = models::MlpKind::kSwiGLU;
  c.position = models::PositionEncoding::kRotary;
  c.n_kv_head = 2;
  expect_planned(inputs(c));
}

TEST(MemoryPlan, ActivationsUnderBf16Autocast) {
  auto in = inputs(base_config());
  in.bf16 = true;
  expect_planned(in);
  in.model.mlp = models::MlpKind::kSwiGLU;
  expect_planned(in);
}

// The fused norms hand the matmuls bf16 rows (one tensor for gate and up) and
// the final norm hands the loss bf16 states.
TEST(MemoryPlan, ActivationsWithFusedOpsUnderBf16Autocast) {
  auto in = inputs(base_config());
  in.bf16 = true;
  in.model.fused_ops = true;
  expect_planned(in);
  in.model.mlp = models::MlpKind::kSwiGLU;
  in.model.norm = models::NormKind::kRMSNorm;
  expect_planned(in);
}

// zero_grad frees the gradients between steps: forward's peak holds them
// only while micro-batches accumulate into them.
TEST(MemoryPlan, PeakHoldsGradientsOnlyWhenAccumulating) {
  auto in = inputs(base_config());
  const auto one = training::plan_memory(in);
  EXPECT_GT(one.loss_transient, 0);
  EXPECT_DOUBLE_EQ(one.peak(), one.weights + one.optimizer + one.weight_copies + one.activations + one.loss_transient);
  in.grad_accum = 4;
  const auto accumulating = training::plan_memory(in);
  EXPECT_DOUBLE_EQ(accumulating.peak(), one.peak() + one.gradients);
}

TEST(MemoryPlan, ActivationCheckpointingKeepsBlockInputsOnly) {
  auto c = base_config();
  c.n_layer = 4;
  c.activation_checkpointing = 1;
  // Forward holds only the block inputs; the planned figure adds the one
  // block that backward recomputes at a time.
  auto in = inputs(c);
  const double block = training::plan_memory(inputs(base_config())).activations;
  const double measured = measured_activations(in), planned = training::plan_memory(in).activations;
  EXPECT_LT(planned, block);
  EXPECT_GT(planned, measured);
}

TEST(MemoryPlan, CountsLoraAdapters) {
  for (const auto mlp : {models::MlpKind::kGelu, models::MlpKind::kSwiGLU}) {
    auto c = base_config();
    c.mlp = mlp;
    c.n_kv_head = 2;
    const std::vector<std::string> targets =
        mlp == models::MlpKind::kGelu ? std::vector<std::string>{"attn.qkv", "attn.proj", "mlp.fc", "mlp.proj"}
                                      : std::vector<std::string>{"attn.qkv", "mlp.gate", "mlp.up", "mlp.proj"};
    models::GPT model(c);
    models::add_lora(*model, {4, 8.0, 0.0, targets});
    int64_t adapters = 0;
    for (const auto& p : model->named_parameters())
      if (models::is_lora_tensor(p.key())) adapters += p.value().numel();
    EXPECT_EQ(training::count_lora_parameters(c, 4, targets), adapters);
  }
}

namespace {

// base_config as each family built on Llama sets it up.
std::vector<std::pair<std::string, models::GPTConfig>> family_configs() {
  auto llama = base_config();
  llama.norm = models::NormKind::kRMSNorm;
  llama.mlp = models::MlpKind::kSwiGLU;
  llama.position = models::PositionEncoding::kRotary;
  llama.n_kv_head = 2;
  auto qwen2 = llama;
  qwen2.qkv_bias = true;
  auto qwen3 = llama;
  qwen3.qk_norm = true;
  qwen3.head_size = 32;  // wider than n_embd / n_head
  auto mistral = llama;
  mistral.sliding_window = 32;
  auto gemma2 = mistral;
  gemma2.norm = models::NormKind::kGemmaRMSNorm;
  gemma2.mlp = models::MlpKind::kGeGLU;
  gemma2.post_norms = gemma2.scale_embeddings = true;
  gemma2.global_every = 2;
  gemma2.attn_softcap = 50;
  gemma2.logit_softcap = 30;
  auto gemma3 = gemma2;
  gemma3.attn_softcap = gemma3.logit_softcap = 0;
  gemma3.qk_norm = true;
  gemma3.rope_local_theta = 10000;
  return {{"qwen2", qwen2}, {"qwen3", qwen3}, {"mistral", mistral}, {"gemma2", gemma2}, {"gemma3", gemma3}};
}

}  // namespace

TEST(MemoryPlan, CountsParametersOfEachFamily) {
  for (const auto& [name, c] : family_configs())
    EXPECT_EQ(training::count_parameters(c), models::GPT(c)->num_parameters()) << name;
}

TEST(MemoryPlan, ActivationsOfEachFamily) {
  for (const auto& [name, c] : family_configs()) {
    SCOPED_TRACE(name);
    expect_planned(inputs(c));
  }
}

TEST(MemoryPlan, CountsLoraAdaptersOnWideHeadsAndGeGLU) {
  const std::vector<std::string> targets = {"attn.qkv", "attn.proj", "mlp.gate", "mlp.up", "mlp.proj"};
  for (const auto& [name, c] : family_configs()) {
    models::GPT model(c);
    models::add_lora(*model, {4, 8.0, 0.0, targets});
    int64_t adapters = 0;
    for (const auto& p : model->named_parameters())
      if (models::is_lora_tensor(p.key())) adapters += p.value().numel();
    EXPECT_EQ(training::count_lora_parameters(c, 4, targets), adapters) << name;
  }
}
