#include "training/cuda_graph_step.h"

#include <stdexcept>

#ifdef ANVIL_CUDA
#include <ATen/cuda/CUDAEvent.h>
#include <ATen/cuda/CUDAGraph.h>
#include <c10/cuda/CUDAFunctions.h>
#include <c10/cuda/CUDAGuard.h>
#endif

namespace anvil::training {

#ifdef ANVIL_CUDA

bool cuda_graphs_available() { return true; }

struct CudaGraphStep::State {
  int warmup;
  int calls = 0;
  c10::cuda::CUDAStream stream = c10::cuda::getStreamFromPool();
  at::cuda::CUDAGraph graph;
  bool recorded = false;
};

CudaGraphStep::CudaGraphStep(int warmup) : state_(std::make_unique<State>()) { state_->warmup = warmup; }

bool CudaGraphStep::run(const std::function<void()>& step) {
  auto& s = *state_;
  const auto caller = c10::cuda::getCurrentCUDAStream();
  at::cuda::CUDAEvent inputs_ready;
  inputs_ready.record(caller);
  inputs_ready.block(s.stream);
  const bool replay_only = s.recorded;
  {
    c10::cuda::CUDAStreamGuard guard(s.stream);
    if (s.calls < s.warmup) {
      step();
    } else if (!s.recorded) {
      c10::cuda::device_synchronize();  // the warmup's work is done before recording starts
      // Thread-local: CUDA calls other threads make meanwhile stay out of the recording.
      s.graph.capture_begin({0, 0}, cudaStreamCaptureModeThreadLocal);
      step();
      s.graph.capture_end();
      s.recorded = true;
      s.graph.replay();
    } else {
      s.graph.replay();
    }
  }
  at::cuda::CUDAEvent step_done;
  step_done.record(s.stream);
  step_done.block(caller);
  ++s.calls;
  return replay_only;
}

#else

bool cuda_graphs_available() { return false; }

struct CudaGraphStep::State {};

CudaGraphStep::CudaGraphStep(int) {
  throw std::runtime_error("run.cuda_graphs: this anvil was built against a LibTorch without CUDA");
}

bool CudaGraphStep::run(const std::function<void()>&) { return false; }

#endif

CudaGraphStep::~CudaGraphStep() = default;

}  // namespace anvil::training
