#pragma once
// Benchmark results as people read them (the harness's table), as programs
// read them (the harness's results JSON) and example by example.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "benchmarks/benchmark_run.h"

namespace anvil::cli {

std::string results_table(const std::vector<benchmarks::BenchmarkResult>& results);
// {"results": {task: {"acc,none": .., "acc_stderr,none": ..}}, "n-shot", "n-samples", ...}
nlohmann::ordered_json results_json(const std::vector<benchmarks::BenchmarkResult>& results, const std::string& model);
// One JSON line per scored document: its requests, scores and metrics.
void write_benchmark_predictions(const std::string& path, const std::vector<benchmarks::BenchmarkResult>& results);

}  // namespace anvil::cli
