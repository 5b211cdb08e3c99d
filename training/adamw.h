#pragma once
// AdamW over a model's trainable parameters in two groups: weight decay on
// matrices and embeddings (dim >= 2), none on biases and norm gains, as in
// GPT-2 and nanoGPT. The update is torch::optim::AdamW's, run as its ops or,
// fused, as ATen's fused kernel (_fused_adamw_, CPU and CUDA): one pass per
// group instead of a dozen elementwise ops per parameter. The state is
// torch::optim::AdamW's either way, so checkpoints load into either.
#include <unordered_map>
#include <vector>

#include <torch/optim/adamw.h>

namespace anvil::training {

struct AdamWOptions {
  double lr = 1e-3;
  double weight_decay = 0.1;
  double beta1 = 0.9;
  double beta2 = 0.99;
  double eps = 1e-8;
  bool fused = true;
};

class AdamW : public torch::optim::AdamW {
 public:
  AdamW(const std::vector<torch::Tensor>& params, const AdamWOptions& options);

  // Every group's rate; read by the next step, eager or replayed.
  void set_learning_rate(double lr);
  // A step on the gradients divided by `divisor` (a scalar tensor, e.g. the
  // clipping factor; undefined: as they are): in the fused kernel's read of
  // them, or by a pass over them first. Where `skip` (a float scalar
  // tensor; undefined: never) is 1, the step changes no parameter and no
  // moment, as a GradScaler's found_inf makes the fused kernel do. The fused
  // step decides on the device, so the step counts the state keeps on the
  // host still count the skipped step until uncount_steps() takes it back.
  void step_dividing_gradients(const torch::Tensor& divisor, const torch::Tensor& skip = {});
  // Takes `n` skipped steps back out of every parameter's step count (the
  // fused step's; the reference step waits for the device and never counts one).
  void uncount_steps(int64_t n);
  torch::Tensor step(LossClosure closure = nullptr) override;  // step_dividing_gradients({})

  // A step replayed from a CUDA graph runs none of this class's host code.
  // After read_learning_rates_from_device() (fused only), the kernel reads
  // each group's rate from a device tensor that set_learning_rate() fills,
  // and count_replayed_step() advances the step counts the state keeps on the
  // host as a replay advanced them on the device.
  void read_learning_rates_from_device();
  void count_replayed_step();

 private:
  void fused_step(const torch::Tensor& divisor, const torch::Tensor& skip);

  bool fused_;
  // The kernel reads each parameter's step count from a tensor on its device.
  // Kept between steps, and rebuilt when the state's count moved without it
  // (a checkpoint was loaded).
  struct StepCount {
    int64_t count = -1;
    torch::Tensor tensor;
  };
  std::unordered_map<void*, StepCount> step_counts_;
  std::vector<torch::Tensor> device_learning_rates_;  // one per group, when read from the device
};

}  // namespace anvil::training
