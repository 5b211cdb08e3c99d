#pragma once
// Benchmark tasks by name or file: the built-in definitions (recipes/benchmarks/*.yaml,
// compiled in) and users' own YAML files in the same format.
#include <string>
#include <vector>

#include "benchmarks/benchmark_spec.h"

namespace anvil::recipes {

// NAME_OR_PATH: a built-in task's name, or a path to a task YAML file.
// Throws ConfigError naming the file, line and key of what is wrong.
benchmarks::BenchmarkSpec load_benchmark(const std::string& name_or_path);
// "arc_easy,piqa" -> each one loaded.
std::vector<benchmarks::BenchmarkSpec> load_benchmarks(const std::string& comma_separated);
std::vector<std::string> builtin_benchmark_names();

}  // namespace anvil::recipes
