#pragma once
// A run's metrics.jsonl, one JSON object per line.
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace anvil::test_support {

inline std::vector<nlohmann::json> read_metrics(const std::string& run_dir) {
  std::vector<nlohmann::json> lines;
  std::ifstream in(run_dir + "/metrics.jsonl");
  for (std::string line; std::getline(in, line);) lines.push_back(nlohmann::json::parse(line));
  return lines;
}

}  // namespace anvil::test_support
