#include "tokenizers/pre_tokenizers.h"

#include <nlohmann/json.hpp>
#include <stdexcept>

#include "tokenizers/json_fields.h"
#include "tokenizers/regex.h"
#include "tokenizers/split.h"
#include "tokenizers/unicode_props.h"

namespace anvil::tokenizers {

namespace {

// GPT-2's pattern, which the ByteLevel pre-tokenizer splits with.
const char kGpt2Pattern[] = R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

// Applies `split_one` to each piece, collecting the parts.
template <typename SplitOne>
void split_each(std::vector<Piece>& pieces, SplitOne split_one) {
  std::vector<Piece> out;
  out.reserve(pieces.size() * 2);
  for (const Piece& piece : pieces) split_one(piece, out);
  pieces.swap(out);
}

class ByteLevel : public PreTokenizer {
 public:
  ByteLevel(bool add_prefix_space, bool use_regex) : add_prefix_space_(add_prefix_space), use_regex_(use_regex) {
    if (use_regex_) pattern_ = std::make_unique<Regex>(kGpt2Pattern);
  }
  void pre_tokenize(std::vector<Piece>& pieces) const override {
    split_each(pieces, [&](const Piece& piece, std::vector<Piece>& out) {
      if (add_prefix_space_ && piece.text.compare(0, 1, " ") != 0) {
        PieceBuilder builder(piece);
        builder.insert(" ", piece.origin_of(0));
        builder.copy(0, piece.text.size());
        split(builder.finish(), out);
      } else {
        split(piece, out);
      }
    });
    for (Piece& piece : pieces) piece.byte_level = true;
  }

 private:
  void split(const Piece& piece, std::vector<Piece>& out) const {
    if (!use_regex_) {
      if (!piece.text.empty()) out.push_back(piece);
      return;
    }
    thread_local std::vector<Span> spans;
    regex_spans(*pattern_, piece.text, spans);
    split_by_spans(piece, spans, SplitBehavior::kIsolated, out);
  }

  bool add_prefix_space_, use_regex_;
  std::unique_ptr<Regex> pattern_;
};

class Split : public PreTokenizer {
 public:
  Split(Regex pattern, SplitBehavior behavior, bool invert)
      : pattern_(std::move(pattern)), behavior_(behavior), invert_(invert) {}
  void pre_tokenize(std::vector<Piece>& pieces) const override {
    split_each(pieces, [&](const Piece& piece, std::vector<Piece>& out) {
      thread_local std::vector<Span> spans;
      regex_spans(pattern_, piece.text, spans);
      if (invert_)
        for (Span& span : spans) span.is_match = !span.is_match;
      split_by_spans(piece, spans, behavior_, out);
    });
  }

 private:
  Regex pattern_;
  SplitBehavior behavior_;
  bool invert_;
};

// A split at characters a predicate picks (Digits, WhitespaceSplit, Punctuation).
template <bool (*IsDelimiter)(char32_t)>
class CharSplit : public PreTokenizer {
 public:
  explicit CharSplit(SplitBehavior behavior) : behavior_(behavior) {}
  void pre_tokenize(std::vector<Piece>& pieces) const override {
    split_each(pieces, [&](const Piece& piece, std::vector<Piece>& out) {
      thread_local std::vector<Span> spans;
      char_spans(piece.text, IsDelimiter, spans);
      split_by_spans(piece, spans, behavior_, out);
    });
  }

 private:
  SplitBehavior behavior_;
};

enum class PrependScheme { kFirst, kAlways, kNever };

class Metaspace : public PreTokenizer {
 public:
  Metaspace(std::string replacement, PrependScheme scheme, bool split)
      : replacement_(std::move(replacement)), scheme_(scheme), split_(split) {}
  void pre_tokenize(std::vector<Piece>& pieces) const override {
    split_each(pieces, [&](const Piece& piece, std::vector<Piece>& out) {
      Piece replaced = replace_spaces(piece);
      if (!split_) {
        if (!replaced.text.empty()) out.push_back(std::move(replaced));
        return;
      }
      thread_local std::vector<Span> spans;
      replacement_spans(replaced.text, spans);
      split_by_spans(replaced, spans, SplitBehavior::kMergedWithNext, out);
    });
  }

 private:
  Piece replace_spaces(const Piece& piece) const {
    PieceBuilder builder(piece);
    const bool starts_with_replacement = piece.text.compare(0, replacement_.size(), replacement_) == 0 ||
                                         piece.text.compare(0, 1, " ") == 0;
    const bool prepend = !piece.text.empty() && !starts_with_replacement &&
                         (scheme_ == PrependScheme::kAlways || (scheme_ == PrependScheme::kFirst && piece.origin_of(0) == 0));
    if (prepend) builder.insert(replacement_, piece.origin_of(0));
    size_t done = 0;
    for (size_t i = 0; i < piece.text.size(); ++i) {
      if (piece.text[i] != ' ') continue;
      builder.copy(done, i);
      builder.insert(replacement_, piece.origin_of(i));
      done = i + 1;
    }
    builder.copy(done, piece.text.size());
    return builder.finish();
  }

  void replacement_spans(const std::string& text, std::vector<Span>& spans) const {
    spans.clear();
    size_t run = 0;
    for (size_t i = text.find(replacement_); i != std::string::npos; i = text.find(replacement_, i)) {
      if (run < i) spans.push_back({run, i, false});
      spans.push_back({i, i + replacement_.size(), true});
      i += replacement_.size();
      run = i;
    }
    if (run < text.size()) spans.push_back({run, text.size(), false});
  }

  std::string replacement_;
  PrependScheme scheme_;
  bool split_;
};

class Sequence : public PreTokenizer {
 public:
  explicit Sequence(std::vector<std::unique_ptr<PreTokenizer>> steps) : steps_(std::move(steps)) {}
  void pre_tokenize(std::vector<Piece>& pieces) const override {
    for (const auto& step : steps_) step->pre_tokenize(pieces);
  }

 private:
  std::vector<std::unique_ptr<PreTokenizer>> steps_;
};

PrependScheme prepend_scheme_from_json(const nlohmann::json& config, const std::string& file) {
  // Old files say add_prefix_space instead; false meant never.
  if (config.contains("add_prefix_space") && config["add_prefix_space"].is_boolean() &&
      !config["add_prefix_space"].get<bool>())
    return PrependScheme::kNever;
  if (!config.contains("prepend_scheme")) return PrependScheme::kAlways;
  const std::string scheme = string_field(config, "prepend_scheme", file, "Metaspace pre-tokenizer");
  if (scheme == "first") return PrependScheme::kFirst;
  if (scheme == "always") return PrependScheme::kAlways;
  if (scheme == "never") return PrependScheme::kNever;
  throw std::runtime_error(file + ": unknown Metaspace prepend_scheme '" + scheme + "': expected first, always or never");
}

// HF's Whitespace: runs of \w and of other non-space characters, as Rust's regex classes define them.
const char kWhitespacePattern[] =
    R"([\p{L}\p{M}\p{Nd}\p{Nl}\p{Pc}\x{200C}\x{200D}]+|[^\p{L}\p{M}\p{Nd}\p{Nl}\p{Pc}\x{200C}\x{200D}\s]+)";

std::unique_ptr<PreTokenizer> whitespace_pre_tokenizer() {
  return std::make_unique<Split>(Regex(kWhitespacePattern), SplitBehavior::kRemoved, true);
}

}  // namespace

std::unique_ptr<PreTokenizer> pre_tokenizer_from_json(const nlohmann::json& config, const std::string& file) {
  const std::string type = string_field(config, "type", file, "pre_tokenizer");
  if (type == "ByteLevel")
    return std::make_unique<ByteLevel>(bool_field(config, "add_prefix_space", true), bool_field(config, "use_regex", true));
  if (type == "Split") {
    const std::string what = "Split pre-tokenizer";
    return std::make_unique<Split>(pattern_field(config, file, what),
                                   split_behavior_from_name(string_field(config, "behavior", file, what), file),
                                   bool_field(config, "invert", false));
  }
  if (type == "Digits") {
    const bool individual = bool_field(config, "individual_digits", false);
    return std::make_unique<CharSplit<is_numeric>>(individual ? SplitBehavior::kIsolated : SplitBehavior::kContiguous);
  }
  if (type == "Metaspace") {
    const std::string replacement = string_field(config, "replacement", file, "Metaspace pre-tokenizer");
    return std::make_unique<Metaspace>(replacement, prepend_scheme_from_json(config, file),
                                       bool_field(config, "split", true));
  }
  if (type == "Whitespace") return whitespace_pre_tokenizer();
  if (type == "WhitespaceSplit") return std::make_unique<CharSplit<is_whitespace>>(SplitBehavior::kRemoved);
  if (type == "Punctuation") {
    const auto behavior = config.contains("behavior")
                              ? split_behavior_from_name(string_field(config, "behavior", file, "Punctuation"), file)
                              : SplitBehavior::kIsolated;
    return std::make_unique<CharSplit<is_punctuation>>(behavior);
  }
  if (type == "Sequence") {
    std::vector<std::unique_ptr<PreTokenizer>> steps;
    for (const auto& step : array_field(config, "pretokenizers", file, "Sequence pre-tokenizer"))
      steps.push_back(pre_tokenizer_from_json(step, file));
    return std::make_unique<Sequence>(std::move(steps));
  }
  throw std::runtime_error(file + ": unsupported pre_tokenizer type '" + type + "'");
}

}  // namespace anvil::tokenizers
