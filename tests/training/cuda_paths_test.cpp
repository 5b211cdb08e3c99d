// The GPU paths of the training step against their references, run where a
// CUDA device is visible (build-gpu on the GPU machine; skipped elsewhere).
#include <gtest/gtest.h>

#include <c10/core/CachingDeviceAllocator.h>
#include <torch/cuda.h>
#include <torch/nn/functional/loss.h>

#include "models/gpt.h"
#include "models/kernels/add_norm.h"
#include "models/kernels/bias_gelu.h"
#include "models/kernels/cross_entropy_with_grad.h"
#include "tests/support/tiny_model.h"
#include "training/batch_loss.h"
#include "training/chunked_lm_loss.h"
#include "training/adamw.h"
#include "training/communicator.h"
#include "training/device_stats.h"
#include "training/loss.h"
#include "training/memory_plan.h"
#include "training/precision.h"
#include "training/train_step.h"

using namespace anvil;

namespace {

const c10::Device kCuda(c10::kCUDA, 0);

#define SKIP_WITHOUT_CUDA() \
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device"

double allocated_now() {
  const auto stats = c10::getDeviceAllocator(c10::kCUDA)->getDeviceStats(0);
  return static_cast<double>(stats.allocated_bytes[static_cast<size_t>(c10::CachingAllocator::StatType::AGGREGATE)].current);
}

models::GPTConfig gpu_config(double dropout) {
  auto c = test_support::tiny_gpt_config(512, 128, 4, 4, 256);
  c.dropout = dropout;
  return c;
}

// A model of `c` on the GPU, initialised from seed 0.
models::GPT seeded_cuda_model(const models::GPTConfig& c) {
  torch::manual_seed(0);
  models::GPT model(c);
  model->to(kCuda);
  return model;
}

void expect_all_close(const std::vector<torch::Tensor>& a, const std::vector<torch::Tensor>& b, double tol) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) EXPECT_TRUE(torch::allclose(a[i], b[i], tol, tol)) << i;
}

// The mean loss under bf16 autocast of 8 sequences of 128 tokens each
// predicting the next, from `tokens` [8, 129].
torch::Tensor mean_bf16_loss(models::GPT& model, const torch::Tensor& tokens) {
  training::AutocastScope autocast(kCuda, training::Precision::kBf16);
  return training::summed_batch_loss(model, {tokens.narrow(1, 0, 128), tokens.narrow(1, 1, 128)}, kCuda, {}) /
         (8.0 * 128);
}

std::vector<torch::Tensor> gradients(models::GPT& model) {
  std::vector<torch::Tensor> out;
  for (const auto& p : model->parameters()) out.push_back(p.grad().flatten().to(torch::kCPU));
  return out;
}

}  // namespace

TEST(CudaPaths, ActivationCheckpointingReplaysCudaDropout) {
  SKIP_WITHOUT_CUDA();
  auto run = [](int64_t every) {
    auto c = gpu_config(0.2);
    c.activation_checkpointing = every;
    auto model = seeded_cuda_model(c);
    const auto tokens = torch::randint(512, {4, 128}, torch::TensorOptions(torch::kLong).device(kCuda));
    torch::manual_seed(1);
    training::chunked_lm_loss(model->forward_hidden(tokens), model->output_embedding(), tokens).backward();
    return std::make_pair(gradients(model), torch::rand({8}, torch::TensorOptions().device(kCuda)).cpu());
  };
  const auto [plain, plain_next] = run(0);
  const auto [recomputed, recomputed_next] = run(1);
  for (size_t i = 0; i < plain.size(); ++i) EXPECT_TRUE(torch::allclose(plain[i], recomputed[i], 1e-4, 1e-6)) << i;
  EXPECT_TRUE(torch::equal(plain_next, recomputed_next));
}

TEST(CudaPaths, ChunkedLossMatchesTheUnfusedHeadUnderBf16) {
  SKIP_WITHOUT_CUDA();
  torch::manual_seed(0);
  const auto hidden = torch::randn({8, 512, 256}, torch::TensorOptions().device(kCuda).requires_grad(true));
  const auto weight = (0.02 * torch::randn({50304, 256}, torch::TensorOptions().device(kCuda))).requires_grad_();
  const auto targets = torch::randint(50304, {8, 512}, torch::TensorOptions(torch::kLong).device(kCuda));
  auto run = [&](bool chunked) {
    hidden.mutable_grad() = torch::Tensor();
    weight.mutable_grad() = torch::Tensor();
    torch::Tensor loss;
    {
      training::AutocastScope autocast(kCuda, training::Precision::kBf16);
      loss = chunked ? training::chunked_lm_loss(hidden, weight, targets, {0.1})
                     : training::summed_token_loss(torch::matmul(hidden, weight.t()), targets, 0.1);
    }
    loss.backward();
    return std::make_tuple(loss.item<double>(), hidden.grad().clone(), weight.grad().clone());
  };
  const auto [fused_loss, fused_dh, fused_dw] = run(true);
  const auto [loss, dh, dw] = run(false);
  EXPECT_NEAR(fused_loss, loss, 1e-3 * loss);
  auto cosine = [](const torch::Tensor& a, const torch::Tensor& b) {
    return ((a * b).sum() / a.norm() / b.norm()).item<double>();
  };
  EXPECT_GT(cosine(fused_dh, dh), 0.999);
  EXPECT_GT(cosine(fused_dw, dw), 0.999);
}

TEST(CudaPaths, CrossEntropyKernelMatchesItsCpuPath) {
  SKIP_WITHOUT_CUDA();
  // GPT-2's padded vocabulary (16-byte packs), an odd one, and a misaligned
  // start (both one element at a time), in fp32 and bf16.
  for (const int64_t vocab : {50304, 1001}) {
    for (const int64_t offset : {0, 1}) {
      for (const auto dtype : {torch::kFloat, torch::kBFloat16}) {
        SCOPED_TRACE(std::to_string(vocab) + " offset " + std::to_string(offset) + " " + c10::toString(dtype));
        torch::manual_seed(0);
        const int64_t rows = 64;
        const auto cpu = (4 * torch::randn({rows * vocab + offset})).to(dtype).narrow(0, offset, rows * vocab).view({rows, vocab});
        const auto targets = torch::randint(vocab, {rows});
        const auto weights = torch::rand({rows});
        auto gpu = torch::empty({rows * vocab + offset}, cpu.options().device(kCuda)).narrow(0, offset, rows * vocab).view({rows, vocab});
        gpu.copy_(cpu);
        auto reference = cpu.clone();
        const auto expected = kernels::cross_entropy_with_grad_(reference, targets, weights, 0.1, true);
        const auto losses = kernels::cross_entropy_with_grad_(gpu, targets.to(kCuda), weights.to(kCuda), 0.1, true);
        EXPECT_TRUE(torch::allclose(losses.cpu(), expected, 1e-5, 1e-5));
        const double tol = dtype == torch::kFloat ? 1e-5 : 1e-2;
        EXPECT_TRUE(torch::allclose(gpu.cpu().to(torch::kFloat), reference.to(torch::kFloat), tol, 1e-7));
      }
    }
  }
}

TEST(CudaPaths, AddNormKernelsMatchTheirCpuPath) {
  SKIP_WITHOUT_CUDA();
  // The outputs and gradients of x, delta, weight, bias for one backward, on a device.
  auto run = [](c10::Device device, int64_t width, bool centred, bool autocast) {
    torch::manual_seed(0);
    auto x = torch::randn({300, width}).to(device).requires_grad_();
    auto delta = torch::randn({300, width}).to(autocast ? torch::kBFloat16 : torch::kFloat).to(device).requires_grad_();
    auto weight = (1 + 0.1 * torch::randn({width})).to(device).requires_grad_();
    auto bias = centred ? (0.1 * torch::randn({width})).to(device).requires_grad_() : torch::Tensor();
    const auto g_sum = torch::randn({300, width}).to(device), g_normed = torch::randn({300, width}).to(device);
    kernels::AddNormResult out;
    {
      training::AutocastScope scope(device, autocast ? training::Precision::kBf16 : training::Precision::kFp32);
      out = kernels::add_norm(x, delta, weight, bias, 1e-5, centred);
    }
    ((out.sum * g_sum).sum() + (out.normed.to(torch::kFloat) * g_normed).sum()).backward();
    std::vector<torch::Tensor> r{out.sum, out.normed, x.grad(), delta.grad(), weight.grad()};
    if (centred) r.push_back(bias.grad());
    for (auto& t : r) t = t.detach().to(torch::kCPU, torch::kFloat);
    return r;
  };
  // Widths read four elements at a time, and one (102) read one at a time.
  for (const int64_t width : {768, 2048, 100, 102}) {
    for (const bool centred : {true, false}) {
      for (const bool autocast : {false, true}) {
        SCOPED_TRACE(std::to_string(width) + (centred ? " LayerNorm" : " RMSNorm") + (autocast ? " bf16" : " fp32"));
        const auto gpu = run(kCuda, width, centred, autocast), cpu = run(c10::kCPU, width, centred, autocast);
        expect_all_close(gpu, cpu, autocast ? 1e-2 : 1e-4);
      }
    }
  }
}

TEST(CudaPaths, BiasGeluKernelsMatchTheirCpuPath) {
  SKIP_WITHOUT_CUDA();
  auto run = [](c10::Device device, int64_t width, torch::ScalarType dtype, bool tanh_form) {
    torch::manual_seed(0);
    auto pre = (2 * torch::randn({1000, width})).to(dtype).to(device).requires_grad_();
    auto bias = torch::randn({width}).to(device).requires_grad_();
    const auto out = kernels::bias_gelu(pre, bias, tanh_form);
    (out.to(torch::kFloat) * torch::randn({1000, width}).to(device)).sum().backward();
    return std::vector<torch::Tensor>{out.detach().cpu().to(torch::kFloat), pre.grad().cpu().to(torch::kFloat),
                                      bias.grad().cpu()};
  };
  // GPT-2's MLP width (16-byte packs) and an odd one (single elements).
  for (const int64_t width : {3072, 100}) {
    for (const auto dtype : {torch::kFloat, torch::kBFloat16}) {
      for (const bool tanh_form : {false, true}) {
        SCOPED_TRACE(std::to_string(width) + " " + c10::toString(dtype) + (tanh_form ? " tanh" : " exact"));
        const auto gpu = run(kCuda, width, dtype, tanh_form), cpu = run(c10::kCPU, width, dtype, tanh_form);
        expect_all_close(gpu, cpu, dtype == torch::kFloat ? 1e-4 : 1e-2);
      }
    }
  }
}

TEST(CudaPaths, FusedKernelsTrainGpt2LikeTheUnfusedOps) {
  SKIP_WITHOUT_CUDA();
  auto losses = [](bool fused) {
    auto c = gpu_config(0.0);
    c.fused_ops = fused;
    auto model = seeded_cuda_model(c);
    training::AdamW optimizer(model->parameters(), {});
    std::vector<double> out;
    for (int step = 0; step < 10; ++step) {
      torch::manual_seed(100 + step);
      const auto tokens = torch::randint(512, {8, 129}, torch::TensorOptions(torch::kLong).device(kCuda));
      optimizer.zero_grad();
      const auto loss = mean_bf16_loss(model, tokens);
      loss.backward();
      optimizer.step();
      out.push_back(loss.item<double>());
    }
    return out;
  };
  const auto fused = losses(true), unfused = losses(false);
  for (size_t i = 0; i < fused.size(); ++i) EXPECT_NEAR(fused[i], unfused[i], 0.01 * unfused[i]) << i;
}

TEST(CudaPaths, HostBatchesUploadWithoutChangingTheLoss) {
  SKIP_WITHOUT_CUDA();
  auto model = seeded_cuda_model(gpu_config(0.0));
  model->eval();
  const auto tokens = torch::randint(512, {4, 128});
  // Pinned, non-blocking copies of host tensors against tensors already on the device.
  const auto from_host = training::summed_batch_loss(model, {tokens, tokens}, kCuda, {});
  const auto on_device = training::summed_batch_loss(model, {tokens.to(kCuda), tokens.to(kCuda)}, kCuda, {});
  EXPECT_EQ(from_host.item<double>(), on_device.item<double>());
}

TEST(CudaPaths, FusedAdamWMatchesTorchAdamW) {
  SKIP_WITHOUT_CUDA();
  models::GPT a(test_support::tiny_gpt_config(64, 16, 2, 2, 32)), b(test_support::tiny_gpt_config(64, 16, 2, 2, 32));
  {
    torch::NoGradGuard no_grad;
    auto pa = a->parameters(), pb = b->parameters();
    for (size_t i = 0; i < pa.size(); ++i) pb[i].copy_(pa[i]);
  }
  a->to(kCuda);
  b->to(kCuda);
  training::AdamWOptions o;
  o.fused = true;
  training::AdamW fused(a->parameters(), o);
  o.fused = false;
  training::AdamW plain(b->parameters(), o);
  for (int step = 0; step < 5; ++step) {
    torch::manual_seed(step);
    for (auto& p : a->parameters()) p.mutable_grad() = torch::randn_like(p);
    torch::manual_seed(step);
    for (auto& p : b->parameters()) p.mutable_grad() = torch::randn_like(p);
    fused.step();
    plain.step();
  }
  auto pa = a->parameters(), pb = b->parameters();
  for (size_t i = 0; i < pa.size(); ++i) EXPECT_LT((pa[i] - pb[i]).abs().max().item<double>(), 1e-6) << i;
}

TEST(CudaPaths, MemoryPlanMatchesTheAllocatorUnderBf16) {
  SKIP_WITHOUT_CUDA();
  training::PlanInputs in;
  in.model = gpu_config(0.0);
  in.micro_batch = 16;
  in.cuda = true;
  in.bf16 = true;
  auto model = seeded_cuda_model(in.model);
  const auto tokens = torch::randint(512, {16, 128}, torch::TensorOptions(torch::kLong).device(kCuda));
  auto step = [&] {
    training::AutocastScope autocast(kCuda, training::Precision::kBf16);
    return training::summed_batch_loss(model, {tokens, tokens}, kCuda, {});
  };
  step().backward();
  const double before = allocated_now();
  auto loss = step();
  const double kept = allocated_now() - before;
  loss.backward();
  const auto plan = training::plan_memory(in);
  EXPECT_NEAR(plan.activations + plan.weight_copies, kept, 0.1 * kept);
  EXPECT_GT(training::peak_memory_bytes(kCuda), kept);
}

// Recorded once and replayed, the training step trains as eager steps do: a
// new batch and learning rate each step, dropout drawn afresh, and the step
// counts a checkpoint saves.
TEST(CudaPaths, CudaGraphStepTrainsLikeEagerSteps) {
  SKIP_WITHOUT_CUDA();
  constexpr int kSteps = 7;
  struct Trained {
    std::vector<double> losses;
    std::vector<torch::Tensor> params;
    std::vector<int64_t> step_counts;
  };
  auto train = [](bool graphed) {
    Trained out;
    auto model = seeded_cuda_model(gpu_config(0.1));
    training::Communicator single;
    training::StepOptions options;
    options.precision = training::Precision::kBf16;
    options.cuda_graph = graphed;
    training::TrainStep step(model, std::make_unique<training::ShardedAdamW>(model->parameters(),
                                                                            training::AdamWOptions{}, single, false),
                             single, kCuda, options);
    EXPECT_EQ(step.graphed(), graphed);
    for (int i = 0; i < kSteps; ++i) {
      torch::manual_seed(100 + i);  // this step's batch, then its dropout
      const auto tokens = torch::randint(512, {8, 129}, torch::TensorOptions(torch::kLong).device(kCuda));
      step.set_learning_rate(1e-3 * (i + 1));
      const auto result = step.run([&] { return data::Batch{tokens.narrow(1, 0, 128), tokens.narrow(1, 1, 128)}; });
      out.losses.push_back(result.loss_sum.item<double>() / result.step_tokens);
    }
    auto& optimizer = step.optimizer().gather_full_state();
    for (const auto& p : model->parameters()) {
      out.params.push_back(p.detach().cpu());
      const auto& state = optimizer.state().at(p.unsafeGetTensorImpl());
      out.step_counts.push_back(static_cast<torch::optim::AdamWParamState&>(*state).step());
    }
    return out;
  };
  const auto eager = train(false), graphed = train(true);
  for (int i = 0; i < kSteps; ++i) EXPECT_NEAR(graphed.losses[i], eager.losses[i], 1e-5 * eager.losses[i]) << i;
  expect_all_close(graphed.params, eager.params, 1e-5);
  EXPECT_EQ(graphed.step_counts, std::vector<int64_t>(eager.params.size(), kSteps));
}
