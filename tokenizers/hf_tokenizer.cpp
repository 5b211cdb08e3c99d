#include "tokenizers/hf_tokenizer.h"

#include <filesystem>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "common/atomic_file.h"
#include "tokenizers/loaders.h"
#include "tokenizers/model_dir.h"
#include "tokenizers/special_tokens.h"
#include "tokenizers/utf8.h"

namespace anvil::tokenizers {

struct HfTokenizer::Impl {
  Pipeline pipeline;
  InvalidUtf8 policy = InvalidUtf8::kReplace;
  SpecialTokens special;
  std::string chat_template;
  bool clean_up_spaces = false;
  std::vector<std::pair<std::string, std::string>> files;
};

namespace {

nlohmann::json optional_json(SourceFiles& source, const std::string& name) {
  const auto bytes = source.read_optional(name);
  return bytes ? parse_json(*bytes, source.path_of(name)) : nlohmann::json();
}

// transformers: a chat_template.jinja file beats the config's chat_template,
// which is a string or a list of {name, template} with a "default" one.
std::string chat_template_of(SourceFiles& source, const nlohmann::json& config) {
  if (auto file = source.read_optional("chat_template.jinja")) return *file;
  if (!config.is_object() || !config.contains("chat_template")) return "";
  const nlohmann::json& value = config["chat_template"];
  if (value.is_string()) return value.get<std::string>();
  if (value.is_array()) {
    for (const auto& entry : value)
      if (entry.is_object() && entry.value("name", "") == "default" && entry.contains("template"))
        return entry["template"].get<std::string>();
  }
  return "";
}

// transformers 5 skips clean_up_tokenization for BPE models (every model here)
// unless the config insists.
bool clean_up_spaces_of(const nlohmann::json& config) {
  return config.is_object() && config.value("clean_up_tokenization_spaces", false) &&
         config.value("clean_up_tokenization_spaces_for_bpe_even_though_it_will_corrupt_output", false);
}

std::string clean_up_tokenization(std::string text) {
  static const std::pair<const char*, const char*> kReplacements[] = {
      {" .", "."}, {" ?", "?"}, {" !", "!"}, {" ,", ","}, {" ' ", "'"}, {" n't", "n't"},
      {" 'm", "'m"}, {" 's", "'s"}, {" 've", "'ve"}, {" 're", "'re"}};
  for (const auto& [from, to] : kReplacements) {
    const std::string f = from, t = to;
    std::string out;
    size_t done = 0;
    for (size_t at = text.find(f); at != std::string::npos; at = text.find(f, done)) {
      out.append(text, done, at - done);
      out += t;
      done = at + f.size();
    }
    out.append(text, done, std::string::npos);
    text.swap(out);
  }
  return text;
}

// vocab.json + merges.txt: the class's BOS/EOS flags make the post-processor.
void add_slow_post_processor(const nlohmann::json& config, const std::map<std::string, std::string>& named,
                             Pipeline& pipeline) {
  auto id_of = [&](const char* key) -> std::optional<int32_t> {
    const auto it = named.find(key);
    return it == named.end() ? std::nullopt : pipeline.token_to_id(it->second);
  };
  if (config.is_object() && config.value("add_bos_token", false))
    if (const auto id = id_of("bos_token")) pipeline.post_processor.before = {*id};
  if (config.is_object() && config.value("add_eos_token", false))
    if (const auto id = id_of("eos_token")) pipeline.post_processor.after = {*id};
}

uint64_t fnv1a_64(uint64_t hash, std::string_view bytes) {
  for (const char c : bytes) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

}  // namespace

HfTokenizer HfTokenizer::load(const std::string& path, InvalidUtf8 policy) {
  const TokenizerLocation location = locate_tokenizer(path);
  SourceFiles source{location.dir, {}};
  auto impl = std::make_unique<Impl>();
  impl->policy = policy;
  const nlohmann::json config = optional_json(source, "tokenizer_config.json");
  // config.json names the model type, by which AutoTokenizer picks a class the config does not name.
  const std::string tokenizer_class = tokenizer_class_of(config, optional_json(source, "config.json"));
  const std::string config_file = source.path_of("tokenizer_config.json");
  const std::string main_path = source.path_of(location.main_file);
  FormatDefaults defaults;
  Pipeline& pipeline = impl->pipeline;
  switch (location.format) {
    case TokenizerFormat::kTokenizerJson:
      pipeline = pipeline_from_tokenizer_json(source.read(location.main_file), main_path);
      break;
    case TokenizerFormat::kVocabMerges:
      pipeline = pipeline_from_vocab_merges(source.read(location.main_file), main_path, source.read("merges.txt"),
                                            source.path_of("merges.txt"), tokenizer_class,
                                            config.is_object() && config.value("add_prefix_space", false));
      break;
    case TokenizerFormat::kTiktoken:
      pipeline = pipeline_from_tiktoken(source.read(location.main_file), main_path, defaults);
      break;
    case TokenizerFormat::kSentencePiece:
      pipeline = pipeline_from_sentencepiece(source.read(location.main_file), main_path, config, defaults);
      break;
  }
  add_tokens_from_config(config, config_file, pipeline.added);
  auto named_defaults = defaults.special_tokens;
  const bool gpt2_by_default = location.format == TokenizerFormat::kVocabMerges && tokenizer_class.empty();
  for (const auto& [key, value] : class_default_special_tokens(gpt2_by_default ? "GPT2Tokenizer" : tokenizer_class))
    named_defaults[key] = value;
  const auto named = resolve_named_tokens(named_defaults, config, optional_json(source, "special_tokens_map.json"));
  add_named_tokens(named, pipeline);
  if (location.format == TokenizerFormat::kVocabMerges) add_slow_post_processor(config, named, pipeline);
  pipeline.added.prepare(pipeline.normalizer.get(),
                         config.is_object() && config.value("split_special_tokens", false) == true);
  impl->special = special_tokens_of(named, pipeline, optional_json(source, "generation_config.json"), defaults.end_ids,
                                    source.path_of("generation_config.json"));
  impl->chat_template = chat_template_of(source, config);
  impl->clean_up_spaces = clean_up_spaces_of(config);
  impl->files = std::move(source.files);
  return HfTokenizer(std::move(impl));
}

HfTokenizer::HfTokenizer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HfTokenizer::~HfTokenizer() = default;
HfTokenizer::HfTokenizer(HfTokenizer&&) noexcept = default;
HfTokenizer& HfTokenizer::operator=(HfTokenizer&&) noexcept = default;

Encoding HfTokenizer::encode(std::string_view text, bool add_special_tokens) const {
  Piece piece;
  const size_t invalid = first_invalid_utf8(text);
  if (invalid == std::string_view::npos) {
    piece.text.assign(text);
  } else if (impl_->policy == InvalidUtf8::kError) {
    throw std::runtime_error("text is not valid UTF-8 at byte offset " + std::to_string(invalid));
  } else {
    piece.text = replace_invalid_utf8(text, piece.origin);
  }
  return impl_->pipeline.encode(piece, text.size(), add_special_tokens);
}

std::string HfTokenizer::decode(const std::vector<int32_t>& ids, bool skip_special_tokens) const {
  std::string text = impl_->pipeline.decode(ids, skip_special_tokens);
  return impl_->clean_up_spaces ? clean_up_tokenization(std::move(text)) : text;
}

int64_t HfTokenizer::vocab_size() const { return static_cast<int64_t>(impl_->pipeline.max_id()) + 1; }

std::optional<int32_t> HfTokenizer::token_to_id(std::string_view token) const {
  return impl_->pipeline.token_to_id(std::string(token));
}

std::optional<std::string> HfTokenizer::id_to_token(int32_t id) const { return impl_->pipeline.id_to_token(id); }

bool HfTokenizer::is_special(int32_t id) const {
  const AddedToken* token = impl_->pipeline.added.find(id);
  return token != nullptr && token->special;
}

const SpecialTokens& HfTokenizer::special_tokens() const { return impl_->special; }
const std::string& HfTokenizer::chat_template() const { return impl_->chat_template; }
const std::vector<std::pair<std::string, std::string>>& HfTokenizer::files() const { return impl_->files; }

uint64_t HfTokenizer::fingerprint() const {
  uint64_t hash = 0xcbf29ce484222325ULL;
  for (const auto& [name, bytes] : impl_->files) {
    hash = fnv1a_64(hash, name);
    hash = fnv1a_64(hash, std::string_view("\0", 1));
    hash = fnv1a_64(hash, bytes);
  }
  return hash;
}

void HfTokenizer::save(const std::string& dir) const {
  std::filesystem::create_directories(dir);
  for (const auto& [name, bytes] : impl_->files) common::publish_file(std::filesystem::path(dir) / name, bytes);
}

}  // namespace anvil::tokenizers
