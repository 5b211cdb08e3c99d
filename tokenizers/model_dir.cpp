#include "tokenizers/model_dir.h"

#include <cctype>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "common/read_file.h"
#include "common/strings.h"

namespace anvil::tokenizers {
namespace fs = std::filesystem;
namespace {

// tiktoken files begin "<base64> <rank>"; a sentencepiece protobuf begins with a field tag.
bool looks_like_tiktoken(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::string line;
  if (!std::getline(in, line)) return false;
  const size_t space = line.find(' ');
  if (space == std::string::npos || space == 0 || space + 1 >= line.size()) return false;
  for (size_t i = 0; i < space; ++i) {
    const char c = line[i];
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/' || c == '=')) return false;
  }
  for (size_t i = space + 1; i < line.size(); ++i)
    if (!std::isdigit(static_cast<unsigned char>(line[i])) && line[i] != '\r') return false;
  return true;
}

TokenizerLocation locate_file(const fs::path& file) {
  const std::string dir = file.parent_path().empty() ? "." : file.parent_path().string();
  const std::string name = file.filename().string();
  if (name == "vocab.json") {
    if (!fs::exists(file.parent_path() / "merges.txt"))
      throw std::runtime_error(file.string() + ": expected merges.txt beside vocab.json");
    return {dir, name, TokenizerFormat::kVocabMerges};
  }
  if (common::ends_with(name, ".json")) return {dir, name, TokenizerFormat::kTokenizerJson};
  common::check_readable(file);
  return {dir, name, looks_like_tiktoken(file.string()) ? TokenizerFormat::kTiktoken : TokenizerFormat::kSentencePiece};
}

}  // namespace

std::optional<std::string> SourceFiles::read_optional(const std::string& name) {
  if (!fs::is_regular_file(path_of(name))) return std::nullopt;
  return read(name);
}

std::string SourceFiles::read(const std::string& name) {
  std::string bytes = common::read_file(path_of(name));
  files.emplace_back(name, bytes);
  return bytes;
}

std::string SourceFiles::path_of(const std::string& name) const { return (fs::path(dir) / name).string(); }

TokenizerLocation locate_tokenizer(const std::string& path) {
  const fs::path p(path);
  if (!fs::exists(p)) throw std::runtime_error(path + ": no such tokenizer file or model directory");
  if (!fs::is_directory(p)) return locate_file(p);
  if (fs::exists(p / "tokenizer.json")) return {path, "tokenizer.json", TokenizerFormat::kTokenizerJson};
  if (fs::exists(p / "vocab.json") && fs::exists(p / "merges.txt")) return locate_file(p / "vocab.json");
  if (fs::exists(p / "tokenizer.model")) return locate_file(p / "tokenizer.model");
  throw std::runtime_error(path + ": no tokenizer here: expected tokenizer.json, vocab.json with merges.txt, "
                                  "or tokenizer.model");
}

}  // namespace anvil::tokenizers
