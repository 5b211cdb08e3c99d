#include "training/metrics_log.h"

#include <cmath>
#include <filesystem>
#include <stdexcept>

#include <nlohmann/json.hpp>

namespace anvil::training {

MetricsLog::MetricsLog(const std::string& path, int64_t keep_through_step) : path_(path) {
  std::string kept;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    const auto json = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    // A line cut short by a kill is not JSON: drop it with the later ones.
    if (json.is_object() && json.value("step", int64_t{-1}) <= keep_through_step) kept += line + "\n";
  }
  {
    std::ofstream rewritten(path + ".tmp", std::ios::trunc);
    rewritten << kept;
    if (!rewritten.flush()) throw std::runtime_error("cannot write metrics to '" + path + ".tmp'");
  }
  std::filesystem::rename(path + ".tmp", path);
  out_.open(path, std::ios::app);
  if (!out_) throw std::runtime_error("cannot open '" + path + "' for metrics");
}

void MetricsLog::write(int64_t step, const std::map<std::string, double>& values) {
  nlohmann::json line = {{"step", step}};
  for (const auto& [key, value] : values) line[key] = value;
  out_ << line.dump() << '\n';
  if (!out_.flush()) throw std::runtime_error("cannot write metrics to '" + path_ + "'");
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
