#pragma once
// String helpers C++17 lacks.
#include <string_view>

namespace anvil::common {

inline bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace anvil::common
