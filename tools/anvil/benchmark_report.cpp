#include "tools/anvil/benchmark_report.h"

#include <cmath>
#include <cstdio>

#include "common/output_file.h"

namespace anvil::cli {
namespace {

std::string fixed(double v, int digits) {
  if (std::isnan(v)) return "N/A";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

bool higher_is_better(const std::string& metric) { return metric != "perplexity"; }

}  // namespace

std::string results_table(const std::vector<benchmarks::BenchmarkResult>& results) {
  std::string out = "|Tasks          |n-shot|Metric     |  |   Value  |   |Stderr  |examples|\n"
                    "|---------------|-----:|-----------|--|---------:|---|-------:|-------:|\n";
  char line[512];
  for (const auto& r : results) {
    bool first = true;
    for (const auto& m : r.metrics) {
      std::snprintf(line, sizeof line, "|%-15s|%6s|%-11s|%s|%10s|±  |%8s|%8s|\n", first ? r.name.c_str() : "",
                    first ? std::to_string(r.num_fewshot).c_str() : "", m.name.c_str(),
                    higher_is_better(m.name) ? "↑ " : "↓ ", fixed(m.value, 4).c_str(), fixed(m.stderr_, 4).c_str(),
                    first ? std::to_string(r.examples.size()).c_str() : "");
      out += line;
      first = false;
    }
  }
  return out;
}

nlohmann::ordered_json results_json(const std::vector<benchmarks::BenchmarkResult>& results, const std::string& model) {
  nlohmann::ordered_json out, tasks, shots, samples, better;
  for (const auto& r : results) {
    nlohmann::ordered_json t = {{"alias", r.name}};
    nlohmann::ordered_json b;
    for (const auto& m : r.metrics) {
      t[m.name + ",none"] = m.value;
      if (std::isnan(m.stderr_))
        t[m.name + "_stderr,none"] = "N/A";
      else
        t[m.name + "_stderr,none"] = m.stderr_;
      b[m.name] = higher_is_better(m.name);
    }
    tasks[r.name] = t;
    shots[r.name] = r.num_fewshot;
    samples[r.name] = {{"original", r.documents}, {"effective", r.examples.size()}};
    better[r.name] = b;
  }
  out["results"] = tasks;
  out["n-shot"] = shots;
  out["n-samples"] = samples;
  out["higher_is_better"] = better;
  out["config"] = {{"model", "anvil"}, {"model_args", model}};
  return out;
}

void write_benchmark_predictions(const std::string& path, const std::vector<benchmarks::BenchmarkResult>& results) {
  common::OutputFile out(path);
  for (const auto& r : results) {
    for (const auto& ex : r.examples) {
      nlohmann::ordered_json line = {{"task", r.name}, {"doc_id", ex.doc_id}};
      if (ex.prompt.choices.empty())
        line["target"] = ex.prompt.target;
      else
        line["target"] = ex.prompt.golds.size() == 1 ? nlohmann::ordered_json(ex.prompt.golds[0])
                                                     : nlohmann::ordered_json(ex.prompt.golds);
      auto arguments = nlohmann::ordered_json::array();
      for (const auto& q : ex.prompt.requests) arguments.push_back({q.context, q.continuation});
      line["arguments"] = arguments;
      if (!ex.scores.empty()) {
        auto lls = nlohmann::ordered_json::array(), greedy = nlohmann::ordered_json::array();
        for (const auto& s : ex.scores) {
          lls.push_back(s.logprob);
          greedy.push_back(s.greedy);
        }
        line["loglikelihoods"] = lls;
        line["greedy"] = greedy;
      } else {
        line["generation"] = ex.generation;
      }
      for (const auto& [name, value] : ex.metrics) line[name] = value;
      out.write(line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
    }
  }
  out.close();
}

}  // namespace anvil::cli
