#pragma once
// Appends one JSON object per line to <run>/metrics.jsonl, flushed at once so
// a crash loses nothing already logged.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/output_file.h"

namespace anvil::training {

struct GeneratedSample {
  std::string prompt, text;  // the text is the generation after the prompt
};

class MetricsLog {
 public:
  // Keeps the lines of an existing file up to `keep_through_step` (those of a
  // resumed run's checkpoint) and drops later ones, which the resumed run
  // logs again.
  MetricsLog(const std::string& path, int64_t keep_through_step);
  // {"step": step, "<key>": value, ...} as one line.
  void write(int64_t step, const std::map<std::string, double>& values);
  // {"step": step, "samples": [{"prompt": ..., "text": ...}, ...]}
  void write_samples(int64_t step, const std::vector<GeneratedSample>& samples);

 private:
  std::unique_ptr<common::OutputFile> out_;
};

}  // namespace anvil::training
