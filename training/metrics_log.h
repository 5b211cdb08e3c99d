#pragma once
// Appends one JSON object per line to <run>/metrics.jsonl, flushed at once so
// a crash loses nothing already logged.
#include <map>
#include <memory>
#include <string>

#include "common/output_file.h"

namespace anvil::training {

class MetricsLog {
 public:
  // Keeps the lines of an existing file up to `keep_through_step` (those of a
  // resumed run's checkpoint) and drops later ones, which the resumed run
  // logs again.
  MetricsLog(const std::string& path, int64_t keep_through_step);
  // {"step": step, "<key>": value, ...} as one line.
  void write(int64_t step, const std::map<std::string, double>& values);

 private:
  std::unique_ptr<common::OutputFile> out_;
};

// "1h02m", "3m07s", "12s": durations in log lines.
std::string format_duration(double seconds);

}  // namespace anvil::training
