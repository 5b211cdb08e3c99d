#pragma once
// A training step recorded once as a CUDA graph and replayed (run.cuda_graphs):
// the CPU queues one graph instead of several hundred kernels, and the GPU runs
// them without a launch between each. A replay reruns the recorded kernels on
// the recorded memory and runs none of the step's host code, so the step must
// read its inputs from device tensors that stay put (copy each batch into
// them first), keep every shape fixed, and wait for nothing on the host.
#include <functional>
#include <memory>

namespace anvil::training {

// Whether this build has LibTorch's CUDA graphs (a CUDA LibTorch).
bool cuda_graphs_available();

class CudaGraphStep {
 public:
  // `warmup`: eager runs before recording, for what the first steps allocate
  // or tune once (optimizer state, library workspaces, kernel choices).
  explicit CudaGraphStep(int warmup = 3);
  ~CudaGraphStep();
  CudaGraphStep(const CudaGraphStep&) = delete;
  CudaGraphStep& operator=(const CudaGraphStep&) = delete;

  // Runs `step` eagerly for the warmup calls, records it on the next call (and
  // replays it, since recording runs nothing), and replays it on every call
  // after. All on a side stream that waits for the work queued before and
  // that later work waits for. Returns whether this call only replayed the
  // graph: then none of the step's host code ran.
  bool run(const std::function<void()>& step);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace anvil::training
