#pragma once
// Where a training step's time goes: runs steps under LibTorch's (Kineto)
// profiler, writes a Chrome trace (chrome://tracing, Perfetto) and prints the
// operations and kernels that took the most time.
#include <functional>
#include <string>

namespace anvil::bench {

// On CUDA the table ranks GPU kernels by device time; on the CPU, operators by
// wall time (a parent includes its children).
void profile_steps(const std::function<void()>& step, int steps, bool cuda, const std::string& trace_path);

}  // namespace anvil::bench
