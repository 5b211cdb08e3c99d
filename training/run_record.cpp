#include "training/run_record.h"

#include <filesystem>
#include <utility>

namespace anvil::training {
namespace {

std::string samples_markdown(const std::vector<GeneratedSample>& samples) {
  std::string text;
  for (const auto& s : samples) {
    // Four-space indents make each a Markdown code block: the text as generated.
    auto indented = [](const std::string& t) {
      std::string out = "    ";
      for (char c : t) out += c == '\n' ? std::string("\n    ") : std::string(1, c);
      return out;
    };
    text += "**prompt**\n\n" + indented(s.prompt) + "\n\n**generated**\n\n" + indented(s.text) + "\n\n";
  }
  return text;
}

}  // namespace

std::string tensorboard_tag(const std::string& group, const std::string& key) {
  for (const std::string prefix : {group + "_", std::string("eval_")})
    if (key.size() > prefix.size() && key.compare(0, prefix.size(), prefix) == 0) return group + "/" + key.substr(prefix.size());
  return group + "/" + key;
}

RunRecord::RunRecord(const std::string& run_dir, int64_t keep_through_step)
    : metrics_((std::filesystem::path(run_dir) / "metrics.jsonl").string(), keep_through_step),
      events_(run_dir, keep_through_step) {}

void RunRecord::write(int64_t step, const std::string& group, const std::map<std::string, double>& values) {
  metrics_.write(step, values);
  std::vector<std::pair<std::string, double>> scalars;
  for (const auto& [key, value] : values) scalars.emplace_back(tensorboard_tag(group, key), value);
  events_.write_scalars(step, scalars);
}

void RunRecord::write_config(const std::string& yaml) {
  if (events_.events_kept() == 0) events_.write_text(0, "config", "```yaml\n" + yaml + "```\n");
}

void RunRecord::write_samples(int64_t step, const std::vector<GeneratedSample>& samples) {
  metrics_.write_samples(step, samples);
  events_.write_text(step, "samples", samples_markdown(samples));
}

}  // namespace anvil::training
