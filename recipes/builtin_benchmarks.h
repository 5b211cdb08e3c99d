#pragma once
// The built-in benchmark definitions, compiled in from recipes/benchmarks/*.yaml
// (the generated builtin_benchmarks.cpp), so the binary needs no data files of its own.
#include <string>
#include <vector>

namespace anvil::recipes {

struct BuiltinBenchmark {
  std::string name;  // the file's stem
  std::string yaml;
};

const std::vector<BuiltinBenchmark>& builtin_benchmarks();

}  // namespace anvil::recipes
