#include "data/hf_tokenizer.h"

#include <algorithm>
#include <filesystem>
#include <stdexcept>

#include "common/atomic_file.h"
#include "common/read_file.h"

namespace anvil::data {

HfTokenizer::HfTokenizer(tokenizers::HfTokenizer tokenizer, const std::string& chat_template_file)
    : tokenizer_(std::move(tokenizer)) {
  if (!chat_template_file.empty()) {
    template_source_ = common::read_file(chat_template_file);
    template_name_ = chat_template_file;
  } else {
    template_source_ = tokenizer_.chat_template();
    template_name_ = "the chat template of the tokenizer";
  }
  if (!template_source_.empty())
    chat_template_ = std::make_unique<chat::ChatTemplate>(
        template_source_, template_name_, tokenizer_.special_tokens().template_variables, end_of_turn_tokens());
}

std::vector<int32_t> HfTokenizer::encode(std::string_view text) const { return tokenizer_.encode(text).ids; }

std::string HfTokenizer::decode(const std::vector<int32_t>& ids) const { return tokenizer_.decode(ids); }

int64_t HfTokenizer::vocab_size() const { return tokenizer_.vocab_size(); }

int32_t HfTokenizer::eos_id() const { return tokenizer_.special_tokens().eos_id; }

int32_t HfTokenizer::bos_id() const { return tokenizer_.special_tokens().bos_id; }

uint64_t HfTokenizer::fingerprint() const { return tokenizer_.fingerprint() ^ fnv1a_64(template_source_); }

void HfTokenizer::save(const std::string& path) const {
  std::filesystem::create_directories(path);
  tokenizer_.save(path);
  // The template in force travels with the files, under the name transformers
  // reads first, so a replaced template survives export as well.
  if (!template_source_.empty() && template_source_ != tokenizer_.chat_template())
    common::publish_file(std::filesystem::path(path) / "chat_template.jinja", template_source_);
}

const chat::ChatTemplate& HfTokenizer::chat_template() const {
  if (!chat_template_)
    throw std::runtime_error("the tokenizer has no chat template (no chat_template in tokenizer_config.json, no "
                             "chat_template.jinja): name one with tokenizer.chat_template");
  return *chat_template_;
}

std::vector<int64_t> HfTokenizer::stop_ids() const {
  const auto& special = tokenizer_.special_tokens();
  std::vector<int64_t> out(special.end_ids.begin(), special.end_ids.end());
  if (special.eos_id >= 0 && std::find(out.begin(), out.end(), special.eos_id) == out.end()) out.push_back(special.eos_id);
  return out;
}

std::vector<std::string> HfTokenizer::end_of_turn_tokens() const {
  const auto& special = tokenizer_.special_tokens();
  std::vector<std::string> out;
  auto add = [&](const std::string& token) {
    if (!token.empty() && std::find(out.begin(), out.end(), token) == out.end()) out.push_back(token);
  };
  for (const int32_t id : special.end_ids) add(tokenizer_.id_to_token(id).value_or(""));
  add(special.eos);
  return out;
}

std::vector<int32_t> encode_with_special_tokens(const Tokenizer& tokenizer, std::string_view text) {
  if (const auto* hf = tokenizer.hf()) return hf->tokenizer().encode(text, /*add_special_tokens=*/true).ids;
  return tokenizer.encode(text);
}

}  // namespace anvil::data
