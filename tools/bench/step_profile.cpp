#include "tools/bench/step_profile.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <vector>

#include <torch/csrc/autograd/profiler_kineto.h>
#include <torch/cuda.h>

namespace anvil::bench {

void profile_steps(const std::function<void()>& step, int steps, bool cuda, const std::string& trace_path) {
  namespace prof = torch::profiler::impl;
  const prof::ProfilerConfig config(prof::ProfilerState::KINETO);
  std::set<prof::ActivityType> activities{prof::ActivityType::CPU};
  if (cuda) activities.insert(prof::ActivityType::CUDA);
  torch::autograd::profiler::prepareProfiler(config, activities);
  torch::autograd::profiler::enableProfiler(config, activities);
  for (int i = 0; i < steps; ++i) step();
  if (cuda) torch::cuda::synchronize();
  const auto result = torch::autograd::profiler::disableProfiler();
  result->save(trace_path);

  std::map<std::string, std::pair<double, int64_t>> by_name;  // total ns, calls
  double total = 0;
  for (const auto& e : result->events()) {
    if ((e.deviceType() == c10::DeviceType::CUDA) != cuda) continue;
    auto& entry = by_name[e.name()];
    entry.first += static_cast<double>(e.durationNs());
    entry.second += 1;
    total += static_cast<double>(e.durationNs());
  }
  std::vector<std::pair<std::string, std::pair<double, int64_t>>> rows(by_name.begin(), by_name.end());
  std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.second.first > b.second.first; });
  std::fprintf(stderr, "profile of %d steps (trace: %s), %s by %s time:\n", steps, trace_path.c_str(),
               cuda ? "kernels" : "operators", cuda ? "device" : "wall");
  // Against the step's wall time, the kernels' sum says how long the GPU sat idle.
  if (cuda) std::fprintf(stderr, "  %9.3f ms/step in all kernels\n", total / 1e6 / steps);
  for (size_t i = 0; i < std::min<size_t>(rows.size(), cuda ? 40 : 20); ++i) {
    const auto& [name, stat] = rows[i];
    std::fprintf(stderr, "  %9.3f ms/step %6.1f%% %6lld calls  %.100s\n", stat.first / 1e6 / steps,
                 cuda ? 100.0 * stat.first / total : 0.0, static_cast<long long>(stat.second), name.c_str());
  }
}

}  // namespace anvil::bench
