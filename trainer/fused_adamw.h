#pragma once
// AdamW whose update runs as ATen's fused kernel (_fused_adamw_, CPU and
// CUDA): one pass per parameter group instead of a dozen elementwise ops per
// parameter. The update and the state are torch::optim::AdamW's (tested), so
// checkpoints load into either.
#include <unordered_map>

#include <torch/optim/adamw.h>

namespace anvil::trainer {

class FusedAdamW : public torch::optim::AdamW {
 public:
  using AdamW::AdamW;
  torch::Tensor step(LossClosure closure = nullptr) override;

 private:
  // The kernel reads each parameter's step count from a tensor on its device.
  // Kept between steps, and rebuilt when the state's count moved without it
  // (a checkpoint was loaded).
  struct StepCount {
    int64_t count = -1;
    torch::Tensor tensor;
  };
  std::unordered_map<void*, StepCount> step_counts_;
};

}  // namespace anvil::trainer
