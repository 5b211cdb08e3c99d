#pragma once
// A model directory's tokenizer files: which format it holds, and the
// config files around it, kept with their bytes.
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace anvil::tokenizers {

struct SourceFiles {
  std::string dir;
  std::vector<std::pair<std::string, std::string>> files;  // name, bytes: what was read
  // Reads `name` from the directory and keeps it; nullopt when it does not exist.
  std::optional<std::string> read_optional(const std::string& name);
  std::string read(const std::string& name);  // throws naming the path when it cannot be read
  std::string path_of(const std::string& name) const;
};

enum class TokenizerFormat { kTokenizerJson, kVocabMerges, kTiktoken, kSentencePiece };

struct TokenizerLocation {
  std::string dir;
  std::string main_file;  // tokenizer.json, vocab.json or tokenizer.model (any name for a file path)
  TokenizerFormat format;
};

// PATH is a directory or one tokenizer file; throws naming what was looked for.
TokenizerLocation locate_tokenizer(const std::string& path);

}  // namespace anvil::tokenizers
