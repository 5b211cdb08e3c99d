#pragma once
// The message a call throws, for tests that check what an error says.
#include <exception>
#include <functional>
#include <string>

namespace anvil::test_support {

// What `f` throws as an E, or "(no error)" when it returns. An exception of
// another type escapes, so that the test fails rather than passes on it.
template <typename E = std::exception>
std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace anvil::test_support
