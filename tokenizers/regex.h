#pragma once
// A compiled PCRE2 pattern (UTF, UCP, JIT) that reads HF's Oniguruma
// patterns: \s and \S mean Unicode White_Space as they do there. Shared by
// threads: each thread matches with its own match data.
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace anvil::tokenizers {

class Regex {
 public:
  // Throws std::runtime_error naming the pattern and PCRE2's message.
  explicit Regex(const std::string& pattern);
  static Regex literal(std::string_view text);  // matches `text` itself
  ~Regex();
  Regex(Regex&&) noexcept;
  Regex& operator=(Regex&&) noexcept;

  // Every non-overlapping match in valid UTF-8 `text`, as [begin, end) byte
  // offsets, left to right; after an empty match the search moves on one character.
  void find_all(std::string_view text, std::vector<std::pair<size_t, size_t>>& matches) const;

 private:
  struct Code;
  std::string pattern_;
  std::unique_ptr<Code> code_;
};

// `pattern` with \s and \S spelled as explicit White_Space classes.
std::string with_white_space_classes(const std::string& pattern);

}  // namespace anvil::tokenizers
