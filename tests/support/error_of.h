#pragma once
// The message a call throws, for tests that check what an error says.
#include <exception>
#include <functional>
#include <string>

namespace anvil::test_support {

inline std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace anvil::test_support
