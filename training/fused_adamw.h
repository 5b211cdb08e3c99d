#pragma once
// AdamW whose update runs as ATen's fused kernel (_fused_adamw_, CPU and
// CUDA): one pass per parameter group instead of a dozen elementwise ops per
// parameter. The update and the state are torch::optim::AdamW's (tested), so
// checkpoints load into either.
#include <unordered_map>
#include <vector>

#include <torch/optim/adamw.h>

namespace anvil::training {

class FusedAdamW : public torch::optim::AdamW {
 public:
  using AdamW::AdamW;
  torch::Tensor step(LossClosure closure = nullptr) override;
  // A step on the gradients divided by `divisor` (a scalar tensor, e.g. the
  // clipping factor; undefined: as they are), in the kernel's read of them.
  void step_dividing_gradients(const torch::Tensor& divisor);

  // A step replayed from a CUDA graph runs none of this class's host code.
  // Once read_learning_rates_from_device() is called, the kernel reads each
  // group's learning rate from a device tensor, which stage_learning_rates()
  // fills from the options before each step (outside the graph), and
  // count_replayed_step() advances the step counts the state keeps on the host
  // (the device's advance in the graph).
  void read_learning_rates_from_device();
  void stage_learning_rates();
  void count_replayed_step();

 private:
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
