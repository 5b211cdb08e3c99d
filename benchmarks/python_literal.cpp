#include "benchmarks/python_literal.h"

#include <cctype>
#include <cstdlib>
#include <stdexcept>

#include "common/json_depth.h"
#include "tokenizers/utf8.h"

namespace anvil::benchmarks {
namespace {

class LiteralParser {
 public:
  explicit LiteralParser(const std::string& text) : s_(text) {}

  nlohmann::ordered_json parse() {
    auto value = parse_value();
    skip_space();
    if (pos_ != s_.size()) fail("unexpected text after the literal");
    return value;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw std::invalid_argument("not a Python literal (" + what + " at character " + std::to_string(pos_) +
                                "): " + s_.substr(0, 200));
  }

  void skip_space() {
    while (pos_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[pos_]))) ++pos_;
  }

  bool take_word(const char* word) {
    const std::string w(word);
    if (s_.compare(pos_, w.size(), w) != 0) return false;
    pos_ += w.size();
    return true;
  }

  nlohmann::ordered_json parse_value() {
    skip_space();
    if (pos_ >= s_.size()) fail("unexpected end");
    const char c = s_[pos_];
    if (c == '[' || c == '(') return parse_sequence(c == '[' ? ']' : ')');
    if (c == '\'' || c == '"') return parse_string(c);
    if (take_word("True")) return true;
    if (take_word("False")) return false;
    if (take_word("None")) return nullptr;
    if (c == '-' || c == '+' || std::isdigit(static_cast<unsigned char>(c)) || c == '.') return parse_number();
    fail("unexpected character");
  }

  nlohmann::ordered_json parse_sequence(char close) {
    if (++depth_ > common::kMaxJsonDepth) fail("nested too deep");
    ++pos_;
    auto items = nlohmann::ordered_json::array();
    skip_space();
    while (pos_ < s_.size() && s_[pos_] != close) {
      items.push_back(parse_value());
      skip_space();
      if (pos_ < s_.size() && s_[pos_] == ',') {
        ++pos_;
        skip_space();
      } else if (pos_ >= s_.size() || s_[pos_] != close) {
        fail("expected ',' or the closing bracket");
      }
    }
    if (pos_ >= s_.size()) fail("unclosed bracket");
    ++pos_;
    --depth_;
    return items;
  }

  uint32_t hex_digits(size_t count) {
    if (pos_ + count > s_.size()) fail("short escape");
    const std::string digits = s_.substr(pos_, count);
    for (char d : digits)
      if (!std::isxdigit(static_cast<unsigned char>(d))) fail("bad escape");
    pos_ += count;
    return static_cast<uint32_t>(std::strtoul(digits.c_str(), nullptr, 16));
  }

  nlohmann::ordered_json parse_string(char quote) {
    ++pos_;
    std::string out;
    while (true) {
      if (pos_ >= s_.size()) fail("unterminated string");
      const char c = s_[pos_++];
      if (c == quote) break;
      if (c != '\\') {
        out += c;
        continue;
      }
      if (pos_ >= s_.size()) fail("unterminated string");
      const char e = s_[pos_++];
      switch (e) {
        case 'n': out += '\n'; break;
        case 't': out += '\t'; break;
        case 'r': out += '\r'; break;
        case '0': out += '\0'; break;
        case 'a': out += '\a'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'v': out += '\v'; break;
        case '\\': case '\'': case '"': out += e; break;
        case '\n': break;  // a line continuation
        case 'x': tokenizers::append_utf8(out, hex_digits(2)); break;
        case 'u': tokenizers::append_utf8(out, hex_digits(4)); break;
        case 'U': tokenizers::append_utf8(out, hex_digits(8)); break;
        default: out += '\\'; out += e;  // Python keeps unknown escapes
      }
    }
    return out;
  }

  nlohmann::ordered_json parse_number() {
    const size_t start = pos_;
    if (s_[pos_] == '-' || s_[pos_] == '+') ++pos_;
    bool real = false;
    while (pos_ < s_.size() && (std::isdigit(static_cast<unsigned char>(s_[pos_])) || s_[pos_] == '.' ||
                                s_[pos_] == 'e' || s_[pos_] == 'E' || s_[pos_] == '_' ||
                                ((s_[pos_] == '-' || s_[pos_] == '+') && (s_[pos_ - 1] == 'e' || s_[pos_ - 1] == 'E')))) {
      real = real || s_[pos_] == '.' || s_[pos_] == 'e' || s_[pos_] == 'E';
      ++pos_;
    }
    std::string number;
    for (size_t i = start; i < pos_; ++i)
      if (s_[i] != '_') number += s_[i];
    char* end = nullptr;
    if (real) {
      const double v = std::strtod(number.c_str(), &end);
      if (*end) fail("bad number");
      return v;
    }
    const long long v = std::strtoll(number.c_str(), &end, 10);
    if (*end || number == "-" || number == "+") fail("bad number");
    return v;
  }

  const std::string& s_;
  size_t pos_ = 0;
  size_t depth_ = 0;
};

}  // namespace

nlohmann::ordered_json parse_python_literal(const std::string& text) { return LiteralParser(text).parse(); }

}  // namespace anvil::benchmarks
