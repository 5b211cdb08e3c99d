#include "tokenizers/normalizers.h"

#include <utf8proc.h>

#include <cstdlib>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <vector>

#include "tokenizers/json_fields.h"
#include "tokenizers/regex.h"
#include "tokenizers/unicode_props.h"
#include "tokenizers/utf8.h"

namespace anvil::tokenizers {
namespace {

std::string utf8proc_transform(std::string_view text, utf8proc_option_t options) {
  utf8proc_uint8_t* out = nullptr;
  const auto n = utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(text.data()),
                              static_cast<utf8proc_ssize_t>(text.size()), &out, options);
  if (n < 0) throw std::runtime_error(std::string("Unicode normalization failed: ") + utf8proc_errmsg(n));
  std::string result(reinterpret_cast<char*>(out), static_cast<size_t>(n));
  std::free(out);
  return result;
}

// NFC/NFD/NFKC/NFKD. Text is normalized in chunks that begin at an ASCII
// character (no composition or reordering crosses one). As in HF, a changed
// chunk with as many characters as before (reordered marks) maps character
// to character; one that composed or decomposed maps to its first input byte.
class UnicodeForm : public Normalizer {
 public:
  explicit UnicodeForm(utf8proc_option_t options) : options_(options) {}
  void normalize(Piece& piece) const override {
    const std::string& text = piece.text;
    size_t i = 0;
    while (i < text.size() && static_cast<unsigned char>(text[i]) < 0x80) ++i;
    if (i == text.size()) return;  // ASCII is in every normal form
    if (utf8proc_transform(text, options_) == text) return;
    PieceBuilder builder(piece);
    size_t chunk = 0;
    while (chunk < text.size()) {
      size_t end = chunk + 1;
      while (end < text.size() && static_cast<unsigned char>(text[end]) >= 0x80) ++end;
      const std::string_view original(text.data() + chunk, end - chunk);
      const std::string normalized = utf8proc_transform(original, options_);
      if (normalized == original) builder.copy(chunk, end);
      else insert_aligned(piece, chunk, original, normalized, builder);
      chunk = end;
    }
    piece = builder.finish();
  }

 private:
  static std::vector<size_t> code_point_starts(std::string_view text) {
    std::vector<size_t> starts;
    for (size_t i = 0; i < text.size(); i += utf8_length_of_lead(static_cast<unsigned char>(text[i])))
      starts.push_back(i);
    return starts;
  }
  static void insert_aligned(const Piece& piece, size_t chunk, std::string_view original, const std::string& normalized,
                             PieceBuilder& builder) {
    const auto before = code_point_starts(original), after = code_point_starts(normalized);
    if (before.size() != after.size()) {
      builder.insert(normalized, piece.origin_of(chunk));
      return;
    }
    for (size_t k = 0; k < after.size(); ++k) {
      const size_t end = k + 1 < after.size() ? after[k + 1] : normalized.size();
      builder.insert(std::string_view(normalized).substr(after[k], end - after[k]), piece.origin_of(chunk + before[k]));
    }
  }

  utf8proc_option_t options_;
};

class Lowercase : public Normalizer {
 public:
  void normalize(Piece& piece) const override {
    PieceBuilder builder(piece);
    std::string lowered;
    for (size_t i = 0; i < piece.text.size();) {
      size_t n = 0;
      const char32_t cp = decode_code_point(piece.text, i, &n);
      lowered.clear();
      append_lowercase(lowered, cp);
      if (lowered.size() == n && lowered.compare(0, n, piece.text, i, n) == 0) builder.copy(i, i + n);
      else builder.insert(lowered, piece.origin_of(i));
      i += n;
    }
    piece = builder.finish();
  }
};

class Prepend : public Normalizer {
 public:
  explicit Prepend(std::string prefix) : prefix_(std::move(prefix)) {}
  void normalize(Piece& piece) const override {
    if (piece.text.empty()) return;
    PieceBuilder builder(piece);
    builder.insert(prefix_, piece.origin_of(0));
    builder.copy(0, piece.text.size());
    piece = builder.finish();
  }

 private:
  std::string prefix_;
};

class Replace : public Normalizer {
 public:
  Replace(Regex pattern, std::string content) : pattern_(std::move(pattern)), content_(std::move(content)) {}
  void normalize(Piece& piece) const override {
    if (piece.text.empty()) return;  // HF finds no match in an empty string
    std::vector<std::pair<size_t, size_t>> matches;
    pattern_.find_all(piece.text, matches);
    if (matches.empty()) return;
    PieceBuilder builder(piece);
    size_t done = 0;
    for (const auto& [begin, end] : matches) {
      builder.copy(done, begin);
      const uint32_t at = begin < piece.text.size() ? piece.origin_of(begin) : piece.origin_of(begin - 1) + 1;
      builder.insert(content_, at);
      done = end;
    }
    builder.copy(done, piece.text.size());
    piece = builder.finish();
  }

 private:
  Regex pattern_;
  std::string content_;
};

class Strip : public Normalizer {
 public:
  Strip(bool left, bool right) : left_(left), right_(right) {}
  void normalize(Piece& piece) const override {
    const std::string& text = piece.text;
    size_t begin = 0, end = text.size();
    if (left_) {
      while (begin < end) {
        size_t n = 0;
        if (!is_whitespace(decode_code_point(text, begin, &n))) break;
        begin += n;
      }
    }
    if (right_) {
      while (end > begin) {
        size_t start = end - 1;
        while (start > begin && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80) --start;
        size_t n = 0;
        if (!is_whitespace(decode_code_point(text, start, &n))) break;
        end = start;
      }
    }
    if (begin != 0 || end != text.size()) piece = piece.slice(begin, end);
  }

 private:
  bool left_, right_;
};

class Sequence : public Normalizer {
 public:
  explicit Sequence(std::vector<std::unique_ptr<Normalizer>> steps) : steps_(std::move(steps)) {}
  void normalize(Piece& piece) const override {
    for (const auto& step : steps_) step->normalize(piece);
  }

 private:
  std::vector<std::unique_ptr<Normalizer>> steps_;
};

}  // namespace

std::unique_ptr<Normalizer> normalizer_from_json(const nlohmann::json& config, const std::string& file) {
  const std::string type = string_field(config, "type", file, "normalizer");
  if (type == "NFC") return std::make_unique<UnicodeForm>(utf8proc_option_t(UTF8PROC_STABLE | UTF8PROC_COMPOSE));
  if (type == "NFD") return std::make_unique<UnicodeForm>(utf8proc_option_t(UTF8PROC_STABLE | UTF8PROC_DECOMPOSE));
  if (type == "NFKC")
    return std::make_unique<UnicodeForm>(utf8proc_option_t(UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_COMPAT));
  if (type == "NFKD")
    return std::make_unique<UnicodeForm>(utf8proc_option_t(UTF8PROC_STABLE | UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT));
  if (type == "Lowercase") return std::make_unique<Lowercase>();
  if (type == "Prepend") return std::make_unique<Prepend>(string_field(config, "prepend", file, "Prepend normalizer"));
  if (type == "Replace") {
    return std::make_unique<Replace>(pattern_field(config, file, "Replace normalizer"),
                                     string_field(config, "content", file, "Replace normalizer"));
  }
  if (type == "Strip") {
    return std::make_unique<Strip>(bool_field(config, "strip_left", false), bool_field(config, "strip_right", false));
  }
  if (type == "Sequence") {
    std::vector<std::unique_ptr<Normalizer>> steps;
    for (const auto& step : array_field(config, "normalizers", file, "Sequence normalizer"))
      steps.push_back(normalizer_from_json(step, file));
    return std::make_unique<Sequence>(std::move(steps));
  }
  throw std::runtime_error(file + ": unsupported normalizer type '" + type + "'");
}

}  // namespace anvil::tokenizers
