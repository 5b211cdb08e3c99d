// Times anvil's training step (forward, loss, backward, clip, AdamW) for the
// model of a config on random tokens, and prints one JSON line.
//   train_step_bench CONFIG [--vocab N] [--steps N] [--warmup N] [key.path=value ...]
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include <ATen/Parallel.h>
#include <torch/cuda.h>
#include <torch/nn/utils/clip_grad.h>

#include "models/gpt.h"
#include "trainer/config_loader.h"
#include "trainer/loss.h"
#include "trainer/optimizer.h"
#include "trainer/runtime.h"

using namespace anvil;

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: train_step_bench CONFIG [--vocab N] [--steps N] [--warmup N] [key=value ...]\n");
    return 2;
  }
  int64_t vocab = 65, steps = 50, warmup = 10;
  std::vector<std::string> overrides;
  for (int i = 2; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--vocab" && i + 1 < argc) vocab = std::stoll(argv[++i]);
    else if (a == "--steps" && i + 1 < argc) steps = std::stoll(argv[++i]);
    else if (a == "--warmup" && i + 1 < argc) warmup = std::stoll(argv[++i]);
    else overrides.push_back(a);
  }
  const auto config = trainer::load_config(argv[1], overrides).config;
  trainer::configure_threads(config.run.threads);
  const auto device = trainer::select_device(config.run.device);
  torch::manual_seed(0);
  models::GPT model(trainer::gpt_config(config.model, vocab));
  model->to(device);
  auto optimizer = trainer::make_adamw(model->parameters(), config.optim);
  const int64_t B = config.train.batch_size, T = config.model.block_size;
  const auto inputs = torch::randint(vocab, {B, T}, torch::TensorOptions().dtype(torch::kLong).device(device));
  const auto targets = torch::randint(vocab, {B, T}, torch::TensorOptions().dtype(torch::kLong).device(device));

  auto step = [&] {
    optimizer->zero_grad();
    (trainer::summed_token_loss(model->forward(inputs), targets) / static_cast<double>(B * T)).backward();
    torch::nn::utils::clip_grad_norm_(model->parameters(), config.optim.grad_clip);
    optimizer->step();
  };
  for (int64_t i = 0; i < warmup; ++i) step();
  if (device.is_cuda()) torch::cuda::synchronize();
  const auto start = std::chrono::steady_clock::now();
  for (int64_t i = 0; i < steps; ++i) step();
  if (device.is_cuda()) torch::cuda::synchronize();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("{\"ms_per_step\": %.4f, \"tokens_per_sec\": %.1f, \"threads\": %d, \"parameters\": %lld}\n",
              1e3 * seconds / static_cast<double>(steps), static_cast<double>(B * T * steps) / seconds,
              at::get_num_threads(), static_cast<long long>(model->num_parameters()));
  return 0;
}
