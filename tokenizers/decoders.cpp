#include "tokenizers/decoders.h"

#include <nlohmann/json.hpp>
#include <stdexcept>

#include "tokenizers/byte_level.h"
#include "tokenizers/json_fields.h"
#include "tokenizers/regex.h"
#include "tokenizers/utf8.h"

namespace anvil::tokenizers {
namespace {

const char kReplacementCharacter[] = "\xEF\xBF\xBD";

// Invalid UTF-8 as Rust's String::from_utf8_lossy repairs it (the same maximal subparts as Python).
std::string lossy_utf8(const std::string& bytes) {
  if (first_invalid_utf8(bytes) == std::string::npos) return bytes;
  std::vector<uint32_t> unused;
  return replace_invalid_utf8(bytes, unused);
}

class ByteLevelDecoder : public Decoder {
 public:
  void decode_chain(std::vector<std::string>& tokens) const override {
    std::string bytes;
    for (const std::string& token : tokens)
      if (!from_byte_level(token, bytes)) bytes += token;  // a token outside the table stays as it is
    tokens.assign(1, lossy_utf8(bytes));
  }
};

class MetaspaceDecoder : public Decoder {
 public:
  MetaspaceDecoder(std::string replacement, bool prepended) : replacement_(std::move(replacement)), prepended_(prepended) {}
  void decode_chain(std::vector<std::string>& tokens) const override {
    for (size_t i = 0; i < tokens.size(); ++i) {
      std::string out;
      const std::string& token = tokens[i];
      for (size_t at = 0; at < token.size();) {
        if (token.compare(at, replacement_.size(), replacement_) == 0) {
          if (!(i == 0 && prepended_)) out += ' ';
          at += replacement_.size();
        } else {
          out += token[at++];
        }
      }
      tokens[i] = std::move(out);
    }
  }

 private:
  std::string replacement_;
  bool prepended_;
};

// <0xXX> tokens: consecutive ones joined into their UTF-8 text, or one U+FFFD each when invalid.
class ByteFallbackDecoder : public Decoder {
 public:
  void decode_chain(std::vector<std::string>& tokens) const override {
    std::vector<std::string> out;
    std::string bytes;
    size_t byte_tokens = 0;
    auto flush = [&] {
      if (byte_tokens == 0) return;
      if (first_invalid_utf8(bytes) == std::string::npos) out.push_back(bytes);
      else out.insert(out.end(), byte_tokens, kReplacementCharacter);
      bytes.clear();
      byte_tokens = 0;
    };
    for (std::string& token : tokens) {
      int byte = -1;
      if (token.size() == 6 && token.compare(0, 3, "<0x") == 0 && token[5] == '>') byte = hex_byte(token[3], token[4]);
      if (byte >= 0) {
        bytes += static_cast<char>(byte);
        ++byte_tokens;
        continue;
      }
      flush();
      out.push_back(std::move(token));
    }
    flush();
    tokens.swap(out);
  }

 private:
  static int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }
  static int hex_byte(char high, char low) {
    const int h = hex_digit(high), l = hex_digit(low);
    return h < 0 || l < 0 ? -1 : h * 16 + l;
  }
};

class FuseDecoder : public Decoder {
 public:
  void decode_chain(std::vector<std::string>& tokens) const override {
    std::string joined;
    for (const std::string& token : tokens) joined += token;
    tokens.assign(1, joined);
  }
};

// Removes up to `start` leading and `stop` trailing `content` characters of each token.
class StripDecoder : public Decoder {
 public:
  StripDecoder(std::string content, size_t start, size_t stop) : content_(std::move(content)), start_(start), stop_(stop) {}
  void decode_chain(std::vector<std::string>& tokens) const override {
    for (std::string& token : tokens) {
      size_t begin = 0, end = token.size();
      for (size_t k = 0; k < start_ && token.compare(begin, content_.size(), content_) == 0 && begin < end; ++k)
        begin += content_.size();
      for (size_t k = 0; k < stop_ && end >= begin + content_.size() &&
                         token.compare(end - content_.size(), content_.size(), content_) == 0;
           ++k)
        end -= content_.size();
      token = token.substr(begin, end - begin);
    }
  }

 private:
  std::string content_;
  size_t start_, stop_;
};

class ReplaceDecoder : public Decoder {
 public:
  ReplaceDecoder(Regex pattern, std::string content) : pattern_(std::move(pattern)), content_(std::move(content)) {}
  void decode_chain(std::vector<std::string>& tokens) const override {
    std::vector<std::pair<size_t, size_t>> matches;
    for (std::string& token : tokens) {
      pattern_.find_all(token, matches);
      if (matches.empty()) continue;
      std::string out;
      size_t done = 0;
      for (const auto& [begin, end] : matches) {
        out.append(token, done, begin - done);
        out += content_;
        done = end;
      }
      out.append(token, done, std::string::npos);
      token = std::move(out);
    }
  }

 private:
  Regex pattern_;
  std::string content_;
};

class SequenceDecoder : public Decoder {
 public:
  explicit SequenceDecoder(std::vector<std::unique_ptr<Decoder>> steps) : steps_(std::move(steps)) {}
  void decode_chain(std::vector<std::string>& tokens) const override {
    for (const auto& step : steps_) step->decode_chain(tokens);
  }

 private:
  std::vector<std::unique_ptr<Decoder>> steps_;
};

size_t count_field(const nlohmann::json& config, const char* key) {
  const auto it = config.find(key);
  return it != config.end() && it->is_number_integer() && it->get<int64_t>() > 0 ? it->get<size_t>() : 0;
}

}  // namespace

std::unique_ptr<Decoder> decoder_from_json(const nlohmann::json& config, const std::string& file) {
  const std::string type = string_field(config, "type", file, "decoder");
  if (type == "ByteLevel") return std::make_unique<ByteLevelDecoder>();
  if (type == "Metaspace") {
    const std::string scheme = config.contains("prepend_scheme") && config["prepend_scheme"].is_string()
                                   ? config["prepend_scheme"].get<std::string>()
                                   : "always";
    const bool prepended = scheme != "never" && bool_field(config, "add_prefix_space", true);
    return std::make_unique<MetaspaceDecoder>(string_field(config, "replacement", file, "Metaspace decoder"), prepended);
  }
  if (type == "ByteFallback") return std::make_unique<ByteFallbackDecoder>();
  if (type == "Fuse") return std::make_unique<FuseDecoder>();
  if (type == "Strip") {
    return std::make_unique<StripDecoder>(string_field(config, "content", file, "Strip decoder"),
                                          count_field(config, "start"), count_field(config, "stop"));
  }
  if (type == "Replace") {
    return std::make_unique<ReplaceDecoder>(pattern_field(config, file, "Replace decoder"),
                                            string_field(config, "content", file, "Replace decoder"));
  }
  if (type == "Sequence") {
    std::vector<std::unique_ptr<Decoder>> steps;
    for (const auto& step : array_field(config, "decoders", file, "Sequence decoder"))
      steps.push_back(decoder_from_json(step, file));
    return std::make_unique<SequenceDecoder>(std::move(steps));
  }
  throw std::runtime_error(file + ": unsupported decoder type '" + type + "'");
}

}  // namespace anvil::tokenizers
