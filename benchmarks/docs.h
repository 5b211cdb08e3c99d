#pragma once
// A benchmark's documents read from its files, as JSON objects in file order.
#include <vector>

#include <nlohmann/json.hpp>

#include "benchmarks/benchmark_spec.h"

namespace anvil::benchmarks {

using Doc = nlohmann::ordered_json;

// Throws std::runtime_error naming the file and line of what is not a JSON
// object, and a labels file whose line count differs from the documents'.
std::vector<Doc> read_docs(const DocFiles& files);

}  // namespace anvil::benchmarks
