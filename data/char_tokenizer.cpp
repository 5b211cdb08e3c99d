#include "data/char_tokenizer.h"

#include <fstream>
#include <set>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "common/atomic_file.h"

namespace anvil::data {
namespace {

// Length of the UTF-8 sequence that starts with byte `c` (1 for stray bytes, so
// that malformed input still advances).
size_t utf8_length(unsigned char c) {
  if (c >= 0xF0) return 4;
  if (c >= 0xE0) return 3;
  if (c >= 0xC0) return 2;
  return 1;
}

template <class Fn>
void for_each_char(std::string_view text, Fn&& fn) {
  for (size_t i = 0; i < text.size();) {
    const size_t len = std::min(utf8_length(static_cast<unsigned char>(text[i])), text.size() - i);
    fn(text.substr(i, len), i);
    i += len;
  }
}

}  // namespace

CharTokenizer::CharTokenizer(std::vector<std::string> chars) : chars_(std::move(chars)) {
  for (size_t i = 0; i < chars_.size(); ++i) ids_.emplace(chars_[i], static_cast<int32_t>(i));
}

CharTokenizer CharTokenizer::from_text(std::string_view text) {
  std::set<std::string> seen;
  for_each_char(text, [&](std::string_view c, size_t) { seen.emplace(c); });
  return CharTokenizer({seen.begin(), seen.end()});
}

CharTokenizer CharTokenizer::load(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open character vocabulary '" + path + "'");
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw std::runtime_error("'" + path + "' is not a character vocabulary: " + e.what());
  }
  if (!doc.is_object() || doc.value("type", "") != "char" || !doc.contains("vocab") || !doc["vocab"].is_array())
    throw std::runtime_error("'" + path + "' is not a character vocabulary: expected {\"type\": \"char\", \"vocab\": [...]}");
  return CharTokenizer(doc["vocab"].get<std::vector<std::string>>());
}

std::vector<int32_t> CharTokenizer::encode(std::string_view text) const {
  std::vector<int32_t> ids;
  ids.reserve(text.size());
  for_each_char(text, [&](std::string_view c, size_t offset) {
    const auto it = ids_.find(std::string(c));
    if (it == ids_.end())
      throw std::runtime_error("character '" + std::string(c) + "' at byte " + std::to_string(offset) +
                               " is not in the character vocabulary (" + std::to_string(chars_.size()) +
                               " characters built from the training text)");
    ids.push_back(it->second);
  });
  return ids;
}

std::string CharTokenizer::decode(const std::vector<int32_t>& ids) const {
  std::string text;
  for (const int32_t id : ids) {
    if (id < 0 || id >= vocab_size())
      throw std::out_of_range("token id " + std::to_string(id) + " outside the character vocabulary");
    text += chars_[static_cast<size_t>(id)];
  }
  return text;
}

uint64_t CharTokenizer::fingerprint() const {
  std::string all;
  for (const auto& c : chars_) all += c;
  return fnv1a_64(all);
}

void CharTokenizer::save(const std::string& path) const {
  common::publish_file(path, nlohmann::json{{"type", "char"}, {"vocab", chars_}}.dump() + "\n");
}

}  // namespace anvil::data
