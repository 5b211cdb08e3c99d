#pragma once
// nlohmann's parser builds any depth, but copying, dumping or walking a value
// recurses once per level, so a file or request body of a million '[' crashes
// the process. Readers of untrusted JSON check the text first.
#include <cstddef>
#include <string_view>

namespace anvil::common {

inline constexpr size_t kMaxJsonDepth = 256;

// The deepest nesting of arrays and objects in `text`, brackets inside strings
// not counted. Cheap: one pass, no allocation.
size_t json_depth(std::string_view text);

}  // namespace anvil::common
