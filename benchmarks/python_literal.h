#pragma once
// ast.literal_eval for what prompt templates render: the harness renders a
// choices template such as "{{[sol1, sol2]}}" to Python's repr of a list and
// reads it back with literal_eval, so anvil reads the same text the same way.
#include <string>

#include <nlohmann/json.hpp>

namespace anvil::benchmarks {

// Strings, ints, floats, True/False/None, lists and tuples (as arrays).
// Throws std::invalid_argument saying where TEXT stops being a literal.
nlohmann::ordered_json parse_python_literal(const std::string& text);

}  // namespace anvil::benchmarks
