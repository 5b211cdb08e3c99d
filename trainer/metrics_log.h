#pragma once
// Appends one JSON object per line to <run>/metrics.jsonl, flushed at once so
// a crash loses nothing already logged.
#include <fstream>
#include <map>
#include <string>

namespace anvil::trainer {

class MetricsLog {
 public:
  explicit MetricsLog(const std::string& path);
  // {"step": step, "<key>": value, ...} as one line.
  void write(int64_t step, const std::map<std::string, double>& values);

 private:
  std::ofstream out_;
  std::string path_;
};

// "1h02m", "3m07s", "12s": durations in log lines.
std::string format_duration(double seconds);

}  // namespace anvil::trainer
