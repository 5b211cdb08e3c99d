#include "training/metrics_log.h"

#include <cmath>
#include <fstream>

#include <nlohmann/json.hpp>

#include "common/atomic_file.h"

namespace anvil::training {

MetricsLog::MetricsLog(const std::string& path, int64_t keep_through_step) {
  std::string kept;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    const auto json = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    // A line cut short by a kill is not JSON: drop it with the later ones.
    if (json.is_object() && json.value("step", int64_t{-1}) <= keep_through_step) kept += line + "\n";
  }
  common::publish_file(path, kept);
  out_ = std::make_unique<common::OutputFile>(path, common::OutputFile::Mode::kAppend);
}

void MetricsLog::write(int64_t step, const std::map<std::string, double>& values) {
  nlohmann::json line = {{"step", step}};
  for (const auto& [key, value] : values) line[key] = value;
  out_->write(line.dump() + "\n");
  out_->flush();
}

std::string format_duration(double seconds) {
  const auto s = static_cast<long long>(std::llround(std::max(0.0, seconds)));
  char buffer[32];
  if (s >= 3600)
    std::snprintf(buffer, sizeof buffer, "%lldh%02lldm", s / 3600, (s % 3600) / 60);
  else if (s >= 60)
    std::snprintf(buffer, sizeof buffer, "%lldm%02llds", s / 60, s % 60);
  else
    std::snprintf(buffer, sizeof buffer, "%llds", s);
  return buffer;
}

}  // namespace anvil::training
