#include "chat/lexer.h"

#include <algorithm>

#include <cctype>
#include <cstdlib>
#include <string_view>

#include "chat/template.h"
#include "chat/utf8.h"

namespace anvil::chat {
namespace {

// jinja2 reads every line ending as "\n" and, unless told to keep it, drops
// one trailing newline.
std::string normalize_newlines(const std::string& source, bool drop_trailing_newline) {
  std::string out;
  for (size_t i = 0; i < source.size(); ++i) {
    if (source[i] == '\r') {
      out.push_back('\n');
      if (i + 1 < source.size() && source[i + 1] == '\n') ++i;
    } else {
      out.push_back(source[i]);
    }
  }
  if (drop_trailing_newline && !out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

bool is_name_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool is_name_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }
bool is_digit(char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

class Lexer {
 public:
  Lexer(const std::string& source, const std::string& name, bool chat_settings)
      : src_(normalize_newlines(source, chat_settings)), name_(name), chat_settings_(chat_settings) {}

  std::vector<Token> run() {
    while (pos_ < src_.size()) lex_text_and_tag();
    emit(Token::Type::End, "");
    return std::move(tokens_);
  }

 private:
  [[noreturn]] void fail(const std::string& message) const { throw TemplateError(name_, line_, message); }

  void emit(Token::Type type, std::string text) { tokens_.push_back(Token{type, std::move(text), 0, 0, line_}); }

  // Advances over SRC_[pos_, end), counting lines; never past the end (a
  // tag cut short, "{{-", asks for more than is left).
  void advance_to(size_t end) {
    for (end = std::min(end, src_.size()); pos_ < end; ++pos_)
      if (src_[pos_] == '\n') ++line_;
  }

  // The text up to the next tag, then the tag.
  void lex_text_and_tag() {
    size_t start = pos_;
    size_t tag = src_.find('{', start);
    while (tag != std::string::npos && (tag + 1 >= src_.size() || std::string_view("{%#").find(src_[tag + 1]) ==
                                                                      std::string_view::npos))
      tag = src_.find('{', tag + 1);
    if (tag == std::string::npos) tag = src_.size();
    const char kind = tag < src_.size() ? src_[tag + 1] : 0;
    const char sign = tag + 2 < src_.size() ? src_[tag + 2] : 0;
    std::string text = src_.substr(start, tag - start);
    if (kind) text = strip_before_tag(std::move(text), kind, sign);
    if (!text.empty()) emit(Token::Type::Text, text);
    advance_to(tag);
    if (!kind) return;
    advance_to(pos_ + 2 + (sign == '-' || sign == '+'));
    if (kind == '#') return lex_comment();
    lex_tag(kind == '{');
  }

  std::string strip_before_tag(std::string text, char kind, char sign) const {
    if (sign == '-') return strip_python_space(text, false, true);
    if (sign == '+' || kind == '{' || !chat_settings_) return text;
    // lstrip_blocks: a block or comment alone on its line takes the line's
    // leading spaces and tabs with it.
    const size_t line_start = text.rfind('\n') == std::string::npos ? 0 : text.rfind('\n') + 1;
    const bool at_line_start = line_start > 0 || line_starting_;
    if (at_line_start && text.find_first_not_of(" \t", line_start) == std::string::npos) text.resize(line_start);
    return text;
  }

  void lex_comment() {
    const size_t end = src_.find("#}", pos_);
    if (end == std::string::npos) fail("unterminated comment");
    const bool strip = end > pos_ && src_[end - 1] == '-';
    advance_to(end + 2);
    finish_tag(strip, true);
  }

  // After a tag: `-` strips the whitespace that follows; trim_blocks drops
  // one newline after a block or comment.
  void finish_tag(bool strip, bool trim_newline) {
    const size_t before = pos_;
    if (strip) {
      // jinja2's \s: Unicode whitespace, as str.strip() takes it.
      const std::string rest = strip_python_space(std::string_view(src_).substr(pos_), true, false);
      advance_to(src_.size() - rest.size());
    } else if (trim_newline && chat_settings_ && pos_ < src_.size() && src_[pos_] == '\n') {
      advance_to(pos_ + 1);
    }
    line_starting_ = pos_ > 0 && src_[pos_ - 1] == '\n' && pos_ > before;
    if (pos_ == before) line_starting_ = false;
  }

  void lex_tag(bool variable) {
    emit(variable ? Token::Type::VariableBegin : Token::Type::BlockBegin, "");
    const std::string close = variable ? "}}" : "%}";
    int depth = 0;
    for (;;) {
      while (pos_ < src_.size() && std::isspace(static_cast<unsigned char>(src_[pos_]))) advance_to(pos_ + 1);
      if (pos_ >= src_.size()) fail(std::string("unexpected end of template, expected '") + close + "'");
      if (depth == 0 && closes_tag(close)) break;
      depth += lex_expression_token();
    }
    const char sign = src_[pos_];
    const bool strip = sign == '-';
    const bool keep_newline = sign == '+' && !variable;
    advance_to(pos_ + close.size() + (strip || keep_newline));
    emit(variable ? Token::Type::VariableEnd : Token::Type::BlockEnd, "");
    finish_tag(strip, !variable && !keep_newline);
  }

  bool closes_tag(const std::string& close) const {
    if (src_.compare(pos_, close.size(), close) == 0) return true;
    const char sign = src_[pos_];
    const bool signed_close = sign == '-' || (sign == '+' && close == "%}");
    return signed_close && src_.compare(pos_ + 1, close.size(), close) == 0;
  }

  // One token inside a tag; returns how it changes the bracket depth.
  int lex_expression_token() {
    const char c = src_[pos_];
    if (is_name_start(c)) {
      size_t end = pos_;
      while (end < src_.size() && is_name_char(src_[end])) ++end;
      emit(Token::Type::Name, src_.substr(pos_, end - pos_));
      advance_to(end);
      return 0;
    }
    if (is_digit(c)) return lex_number(), 0;
    if (c == '\'' || c == '"') return lex_string(c), 0;
    return lex_operator();
  }

  void lex_number() {
    size_t end = pos_;
    std::string digits;
    auto take_digits = [&] {
      while (end < src_.size() && (is_digit(src_[end]) || src_[end] == '_'))
        if (src_[end++] != '_') digits.push_back(src_[end - 1]);
    };
    take_digits();
    bool real = false;
    // A number right after '.' is a subscript (items.0), never a float.
    const bool after_dot = pos_ > 0 && src_[pos_ - 1] == '.';
    if (!after_dot && end + 1 < src_.size() && src_[end] == '.' && is_digit(src_[end + 1])) {
      digits.push_back(src_[end++]);
      take_digits();
      real = true;
    }
    if (!after_dot && end < src_.size() && (src_[end] == 'e' || src_[end] == 'E')) {
      size_t exp = end + 1;
      if (exp < src_.size() && (src_[exp] == '+' || src_[exp] == '-')) ++exp;
      if (exp < src_.size() && is_digit(src_[exp])) {
        digits.append(src_, end, exp - end);
        end = exp;
        take_digits();
        real = true;
      }
    }
    Token token{real ? Token::Type::Float : Token::Type::Integer, digits, 0, 0, line_};
    if (real) token.real = std::strtod(digits.c_str(), nullptr);
    else token.integer = std::strtoll(digits.c_str(), nullptr, 10);
    tokens_.push_back(token);
    advance_to(end);
  }

  void lex_string(char quote) {
    std::string value;
    size_t i = pos_ + 1;
    for (; i < src_.size() && src_[i] != quote; ++i) {
      if (src_[i] != '\\' || i + 1 >= src_.size()) {
        value.push_back(src_[i]);
        continue;
      }
      i = unescape(i + 1, value);
    }
    if (i >= src_.size()) fail("unexpected end of string");
    tokens_.push_back(Token{Token::Type::String, value, 0, 0, line_});
    advance_to(i + 1);
  }

  // Python's escapes: the one starting at src_[i] (after the backslash) is
  // appended to OUT; returns the index of its last character.
  size_t unescape(size_t i, std::string& out) const {
    const char c = src_[i];
    switch (c) {
      case 'n': out += '\n'; return i;
      case 't': out += '\t'; return i;
      case 'r': out += '\r'; return i;
      case 'a': out += '\a'; return i;
      case 'b': out += '\b'; return i;
      case 'f': out += '\f'; return i;
      case 'v': out += '\v'; return i;
      case '\\': case '\'': case '"': out += c; return i;
      case '\n': return i;
      case 'x': return unescape_hex(i, 2, out);
      case 'u': return unescape_hex(i, 4, out);
      case 'U': return unescape_hex(i, 8, out);
      default: break;
    }
    if (c >= '0' && c <= '7') {
      char32_t code = 0;
      size_t j = i;
      for (; j < i + 3 && j < src_.size() && src_[j] >= '0' && src_[j] <= '7'; ++j) code = code * 8 + (src_[j] - '0');
      append_utf8(out, code);
      return j - 1;
    }
    out += '\\';
    out += c;
    return i;
  }

  size_t unescape_hex(size_t i, size_t digits, std::string& out) const {
    char32_t code = 0;
    for (size_t j = 1; j <= digits; ++j) {
      const int v = i + j < src_.size() ? hex_value(src_[i + j]) : -1;
      if (v < 0) fail("truncated \\" + std::string(1, src_[i]) + " escape in a string");
      code = code * 16 + v;
    }
    append_utf8(out, code);
    return i + digits;
  }

  int lex_operator() {
    static const char* const two_char[] = {"//", "**", "==", "!=", "<=", ">="};
    for (const char* op : two_char)
      if (src_.compare(pos_, 2, op) == 0) {
        emit(Token::Type::Operator, op);
        advance_to(pos_ + 2);
        return 0;
      }
    const char c = src_[pos_];
    if (std::string_view("+-*/%~<>=()[]{},.:|;").find(c) == std::string_view::npos)
      fail(std::string("unexpected char '") + c + "'");
    emit(Token::Type::Operator, std::string(1, c));
    advance_to(pos_ + 1);
    if (c == '(' || c == '[' || c == '{') return 1;
    if (c == ')' || c == ']' || c == '}') return -1;
    return 0;
  }

  std::string src_;
  const std::string& name_;
  bool chat_settings_;
  size_t pos_ = 0;
  int line_ = 1;
  bool line_starting_ = true;
  std::vector<Token> tokens_;
};

}  // namespace

std::vector<Token> tokenize(const std::string& source, const std::string& name, bool chat_settings) {
  return Lexer(source, name, chat_settings).run();
}

}  // namespace anvil::chat
