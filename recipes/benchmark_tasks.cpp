#include "recipes/benchmark_tasks.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>

#include <yaml-cpp/yaml.h>

#include "recipes/builtin_benchmarks.h"
#include "recipes/config_loader.h"

namespace anvil::recipes {
namespace {

using benchmarks::BenchmarkSpec;

class TaskReader {
 public:
  TaskReader(const YAML::Node& root, std::string source) : root_(root), source_(std::move(source)) {}

  [[noreturn]] void fail(const YAML::Node& node, const std::string& what) const {
    throw ConfigError(source_ + ", line " + std::to_string(node.Mark().line + 1) + ": " + what);
  }

  std::string text(const YAML::Node& node, const std::string& key) const {
    if (!node.IsScalar()) fail(node, "'" + key + "' must be a string");
    return node.as<std::string>();
  }
  std::string path(const YAML::Node& node, const std::string& key) const {
    try {
      return expand_variables(text(node, key));
    } catch (const std::runtime_error& e) {
      fail(node, "'" + key + "': " + e.what());
    }
  }
  int64_t integer(const YAML::Node& node, const std::string& key) const {
    try {
      return node.as<int64_t>();
    } catch (const YAML::Exception&) {
      fail(node, "'" + key + "' must be an integer");
    }
  }
  std::vector<std::string> strings(const YAML::Node& node, const std::string& key) const {
    if (!node.IsSequence()) fail(node, "'" + key + "' must be a list of strings");
    std::vector<std::string> out;
    for (const auto& item : node) out.push_back(text(item, key));
    return out;
  }

  BenchmarkSpec read() const {
    if (!root_.IsMap()) fail(root_, "a task file must be a mapping of keys");
    BenchmarkSpec spec;
    spec.source = source_;
    const std::map<std::string, std::function<void(const YAML::Node&)>> keys = {
        {"task", [&](const YAML::Node& n) { spec.name = text(n, "task"); }},
        {"output_type", [&](const YAML::Node& n) { spec.output_type = output_type(n); }},
        {"docs", [&](const YAML::Node& n) { spec.docs.path = path(n, "docs"); }},
        {"docs_labels", [&](const YAML::Node& n) { spec.docs.labels_path = path(n, "docs_labels"); }},
        {"fewshot_docs", [&](const YAML::Node& n) { spec.fewshot.path = path(n, "fewshot_docs"); }},
        {"fewshot_labels", [&](const YAML::Node& n) { spec.fewshot.labels_path = path(n, "fewshot_labels"); }},
        {"fewshot_split",
         [&](const YAML::Node& n) {
           if (text(n, "fewshot_split") != "docs") fail(n, "'fewshot_split' can only be 'docs' (use fewshot_docs for a file)");
           spec.fewshot_excludes_doc = true;
         }},
        {"label_field",
         [&](const YAML::Node& n) { spec.docs.label_field = spec.fewshot.label_field = text(n, "label_field"); }},
        {"process_docs", [&](const YAML::Node& n) { spec.process_docs = processing(n); }},
        {"description", [&](const YAML::Node& n) { spec.description = text(n, "description"); }},
        {"doc_to_text", [&](const YAML::Node& n) { spec.doc_to_text = text(n, "doc_to_text"); }},
        {"doc_to_target", [&](const YAML::Node& n) { spec.doc_to_target = text(n, "doc_to_target"); }},
        {"doc_to_choice",
         [&](const YAML::Node& n) {
           if (n.IsSequence())
             spec.choices = strings(n, "doc_to_choice");
           else
             spec.doc_to_choice = text(n, "doc_to_choice");
         }},
        {"target_delimiter", [&](const YAML::Node& n) { spec.target_delimiter = text(n, "target_delimiter"); }},
        {"fewshot_delimiter", [&](const YAML::Node& n) { spec.fewshot_delimiter = text(n, "fewshot_delimiter"); }},
        {"num_fewshot", [&](const YAML::Node& n) { spec.num_fewshot = integer(n, "num_fewshot"); }},
        {"fewshot_seed", [&](const YAML::Node& n) { spec.fewshot_seed = static_cast<uint64_t>(integer(n, "fewshot_seed")); }},
        {"metric_list", [&](const YAML::Node& n) { spec.metrics = metrics(n); }},
        {"generation_kwargs", [&](const YAML::Node& n) { generation(n, spec); }},
    };
    for (const auto& entry : root_) {
      const auto key = entry.first.as<std::string>();
      const auto it = keys.find(key);
      if (it == keys.end()) fail(entry.first, "unknown key '" + key + "' (" + known(keys) + ")");
      it->second(entry.second);
    }
    check(spec);
    return spec;
  }

 private:
  template <typename Map>
  static std::string known(const Map& keys) {
    std::string out = "known keys:";
    for (const auto& [k, v] : keys) out += " " + k;
    return out;
  }

  benchmarks::OutputType output_type(const YAML::Node& n) const {
    const auto t = text(n, "output_type");
    if (t == "multiple_choice") return benchmarks::OutputType::kMultipleChoice;
    if (t == "loglikelihood") return benchmarks::OutputType::kLoglikelihood;
    if (t == "generate_until") return benchmarks::OutputType::kGenerateUntil;
    fail(n, "'output_type' must be multiple_choice, loglikelihood or generate_until, not '" + t + "'");
  }

  std::vector<std::string> metrics(const YAML::Node& n) const {
    if (!n.IsSequence()) fail(n, "'metric_list' must be a list");
    std::vector<std::string> out;
    for (const auto& item : n) {
      // The harness writes {metric: acc, aggregation: mean, higher_is_better: true};
      // the aggregation is the metric's own here.
      const auto name = item.IsMap() && item["metric"] ? text(item["metric"], "metric") : text(item, "metric_list");
      static const std::vector<std::string> supported = {"acc", "acc_norm", "acc_bytes", "perplexity", "exact_match"};
      if (std::find(supported.begin(), supported.end(), name) == supported.end())
        fail(item, "unknown metric '" + name + "' (acc, acc_norm, acc_bytes, perplexity, exact_match)");
      out.push_back(name);
    }
    return out;
  }

  benchmarks::DocProcessing processing(const YAML::Node& n) const {
    if (!n.IsMap() || !n["fields"] || !n["fields"].IsMap()) fail(n, "'process_docs' needs 'fields', a mapping of name: template");
    benchmarks::DocProcessing out;
    for (const auto& entry : n["fields"]) out.fields.emplace_back(entry.first.as<std::string>(), text(entry.second, "process_docs.fields"));
    if (n["steps"]) {
      if (!n["steps"].IsSequence()) fail(n["steps"], "'process_docs.steps' must be a list");
      for (const auto& step : n["steps"]) out.steps.push_back(text_step(step));
    }
    for (const auto& entry : n)
      if (entry.first.as<std::string>() != "fields" && entry.first.as<std::string>() != "steps")
        fail(entry.first, "unknown key 'process_docs." + entry.first.as<std::string>() + "' (fields, steps)");
    return out;
  }

  benchmarks::TextStep text_step(const YAML::Node& step) const {
    using Kind = benchmarks::TextStep::Kind;
    if (step.IsScalar() && step.as<std::string>() == "strip") return {Kind::kStrip, "", ""};
    if (step.IsMap() && step.size() == 1) {
      const auto name = step.begin()->first.as<std::string>();
      const auto args = strings(step.begin()->second, name);
      if (args.size() != 2) fail(step, "'" + name + "' takes [pattern, replacement]");
      if (name == "replace") return {Kind::kReplace, args[0], args[1]};
      if (name == "regex_replace") return {Kind::kRegexReplace, args[0], args[1]};
    }
    fail(step, "a step is 'strip', {replace: [text, replacement]} or {regex_replace: [pattern, replacement]}");
  }

  void generation(const YAML::Node& n, BenchmarkSpec& spec) const {
    if (!n.IsMap()) fail(n, "'generation_kwargs' must be a mapping");
    for (const auto& entry : n) {
      const auto key = entry.first.as<std::string>();
      if (key == "until")
        spec.until = entry.second.IsSequence() ? strings(entry.second, "until") : std::vector<std::string>{text(entry.second, "until")};
      else if (key == "max_gen_toks")
        spec.max_gen_toks = integer(entry.second, "max_gen_toks");
      else if (key == "do_sample" || key == "temperature")
        continue;  // generation is greedy, as the harness's tasks ask
      else
        fail(entry.first, "unknown key 'generation_kwargs." + key + "' (until, max_gen_toks)");
    }
  }

  void check(BenchmarkSpec& spec) const {
    auto need = [&](bool ok, const std::string& what) {
      if (!ok) throw ConfigError(source_ + ": " + what);
    };
    need(!spec.name.empty(), "'task' (the task's name) is required");
    need(!spec.docs.empty(), "'docs' (the documents' file) is required");
    need(!spec.doc_to_text.empty(), "'doc_to_text' is required");
    need(!spec.doc_to_target.empty(), "'doc_to_target' is required");
    need(spec.num_fewshot >= 0, "'num_fewshot' must be >= 0");
    need(spec.max_gen_toks > 0, "'generation_kwargs.max_gen_toks' must be > 0");
    if (spec.fewshot_excludes_doc) spec.fewshot = spec.docs;
    const bool mc = spec.output_type == benchmarks::OutputType::kMultipleChoice;
    need(!mc || !spec.doc_to_choice.empty() || !spec.choices.empty(), "a multiple_choice task needs 'doc_to_choice'");
    if (spec.metrics.empty())
      spec.metrics = mc ? std::vector<std::string>{"acc"}
                        : spec.output_type == benchmarks::OutputType::kLoglikelihood
                              ? std::vector<std::string>{"perplexity", "acc"}
                              : std::vector<std::string>{"exact_match"};
    for (const auto& m : spec.metrics) {
      const bool ok = mc ? m != "perplexity"
                         : spec.output_type == benchmarks::OutputType::kLoglikelihood ? (m == "perplexity" || m == "acc")
                                                                                       : m == "exact_match";
      need(ok, "metric '" + m + "' does not apply to this output_type");
    }
  }

  YAML::Node root_;
  std::string source_;
};

BenchmarkSpec parse_task(const std::string& yaml, const std::string& source) {
  YAML::Node root;
  try {
    root = YAML::Load(yaml);
  } catch (const YAML::Exception& e) {
    throw ConfigError(source + ", line " + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
  return TaskReader(root, source).read();
}

}  // namespace

BenchmarkSpec load_benchmark(const std::string& name_or_path) {
  for (const auto& builtin : builtin_benchmarks())
    if (builtin.name == name_or_path) return parse_task(builtin.yaml, "built-in task " + builtin.name);
  if (!std::filesystem::is_regular_file(name_or_path)) {
    std::string names;
    for (const auto& n : builtin_benchmark_names()) names += (names.empty() ? "" : ", ") + n;
    throw ConfigError("'" + name_or_path + "' is neither a built-in task (" + names + ") nor a task YAML file");
  }
  std::ifstream in(name_or_path);
  std::stringstream text;
  text << in.rdbuf();
  return parse_task(text.str(), name_or_path);
}

std::vector<BenchmarkSpec> load_benchmarks(const std::string& comma_separated) {
  std::vector<BenchmarkSpec> out;
  std::stringstream in(comma_separated);
  for (std::string name; std::getline(in, name, ',');)
    if (!name.empty()) out.push_back(load_benchmark(name));
  if (out.empty()) throw ConfigError("no benchmark tasks named in '" + comma_separated + "'");
  return out;
}

std::vector<std::string> builtin_benchmark_names() {
  std::vector<std::string> out;
  for (const auto& builtin : builtin_benchmarks()) out.push_back(builtin.name);
  return out;
}

}  // namespace anvil::recipes
