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

void MetricsLog::write_samples(int64_t step, const std::vector<GeneratedSample>& samples) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& s : samples) list.push_back({{"prompt", s.prompt}, {"text", s.text}});
  // Generated text need not be valid UTF-8 (a byte-level token cut in two).
  out_->write(nlohmann::json{{"step", step}, {"samples", list}}.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) +
              "\n");
  out_->flush();
}

}  // namespace anvil::training
