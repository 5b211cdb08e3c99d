#pragma once
// A Hugging Face tokenizer read from the owners' files, giving the ids and the
// text that `tokenizers` and `transformers` give. No LibTorch.
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace anvil::tokenizers {

// Bytes that are not UTF-8 never reach HF tokenizers (they take Python str);
// anvil reads bytes from files, so it says what happens to them.
enum class InvalidUtf8 {
  kReplace,  // each maximal invalid subsequence becomes U+FFFD, as Python's bytes.decode(errors="replace")
  kError,    // std::runtime_error naming the byte offset
};

struct Encoding {
  std::vector<int32_t> ids;
  // Byte offset in the input where each token begins; tokens the
  // post-processor adds (BOS, EOS) begin at 0 or at the end of the text.
  std::vector<uint32_t> starts;
};

// The tokens a model directory names (tokenizer_config.json,
// special_tokens_map.json, generation_config.json); ids are -1 and strings
// empty when unset.
struct SpecialTokens {
  std::string bos, eos, pad, unk;
  int32_t bos_id = -1, eos_id = -1, pad_id = -1, unk_id = -1;
  // Generation stops at these: generation_config.json's eos_token_id (one id
  // or a list), else eos_id.
  std::vector<int32_t> end_ids;
  // What transformers passes to a chat template besides the messages:
  // bos_token, eos_token, pad_token, unk_token and the other *_token strings.
  std::map<std::string, std::string> template_variables;
};

class HfTokenizer {
 public:
  // PATH is a model directory or one tokenizer file: tokenizer.json;
  // vocab.json with merges.txt beside it; tokenizer.model (tiktoken or
  // sentencepiece). A directory's tokenizer_config.json,
  // special_tokens_map.json, generation_config.json and chat_template.jinja
  // are read when present. Errors name the file and what was expected; an
  // unsupported component names its type.
  static HfTokenizer load(const std::string& path, InvalidUtf8 policy = InvalidUtf8::kReplace);
  ~HfTokenizer();
  HfTokenizer(HfTokenizer&&) noexcept;
  HfTokenizer& operator=(HfTokenizer&&) noexcept;

  // Thread-safe: anvil prepare encodes on all run.threads at once.
  Encoding encode(std::string_view text, bool add_special_tokens = false) const;
  std::string decode(const std::vector<int32_t>& ids, bool skip_special_tokens = false) const;

  int64_t vocab_size() const;  // largest id + 1, added tokens included (len(tokenizer))
  std::optional<int32_t> token_to_id(std::string_view token) const;
  std::optional<std::string> id_to_token(int32_t id) const;
  bool is_special(int32_t id) const;
  const SpecialTokens& special_tokens() const;
  // chat_template.jinja when the directory has one (transformers gives the
  // file priority), else tokenizer_config.json's chat_template (the default
  // one when it holds several); empty when there is none.
  const std::string& chat_template() const;

  // The files it was read from, by name, with their bytes: save() writes them
  // back into a directory, so transformers loads what was loaded here, and
  // fingerprint() hashes them.
  const std::vector<std::pair<std::string, std::string>>& files() const;
  uint64_t fingerprint() const;
  void save(const std::string& dir) const;

 private:
  struct Impl;
  explicit HfTokenizer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace anvil::tokenizers
