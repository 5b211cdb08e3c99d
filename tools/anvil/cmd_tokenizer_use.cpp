// anvil tokenizer encode | decode | chat: a Hugging Face tokenizer applied to
// stdin, so users (and tests) see exactly the ids anvil trains on.
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <iterator>
#include <sstream>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "data/chat_examples.h"
#include "data/hf_tokenizer.h"
#include "tools/anvil/commands.h"

namespace anvil::cli {
namespace {

struct UseArgs {
  std::string tokenizer;
  std::string chat_template;
  bool add_special = false;
  bool skip_special = false;
  bool generation_prompt = false;
  tokenizers::InvalidUtf8 invalid_utf8 = tokenizers::InvalidUtf8::kError;
};

UseArgs parse_use_args(const Args& args) {
  UseArgs out;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&](const char* flag) {
      if (i + 1 == args.size()) throw std::invalid_argument(std::string(flag) + " needs a value");
      return args[++i];
    };
    if (a == "--add-special") out.add_special = true;
    else if (a == "--skip-special") out.skip_special = true;
    else if (a == "--add-generation-prompt") out.generation_prompt = true;
    else if (a == "--chat-template") out.chat_template = value("--chat-template");
    else if (a == "--invalid-utf8") {
      const std::string policy = value("--invalid-utf8");
      if (policy != "error" && policy != "replace")
        throw std::invalid_argument("--invalid-utf8 '" + policy + "': expected error or replace");
      out.invalid_utf8 = policy == "replace" ? tokenizers::InvalidUtf8::kReplace : tokenizers::InvalidUtf8::kError;
    } else if (a.rfind("--", 0) == 0) throw std::invalid_argument("unknown option '" + a + "'");
    else if (out.tokenizer.empty()) out.tokenizer = a;
    else throw std::invalid_argument("one TOKENIZER, then options: unexpected '" + a + "'");
  }
  if (out.tokenizer.empty()) throw std::invalid_argument("name the TOKENIZER: a model directory or tokenizer file");
  return out;
}

// A model directory, a tokenizer file, or what anvil writes (an imported
// model, a run or checkpoint directory) holding the tokenizer in tokenizer/.
data::HfTokenizer open_tokenizer(const UseArgs& a) {
  namespace fs = std::filesystem;
  std::string path = a.tokenizer;
  if (fs::is_directory(fs::path(path) / "tokenizer")) path = (fs::path(path) / "tokenizer").string();
  return data::HfTokenizer(tokenizers::HfTokenizer::load(path, a.invalid_utf8), a.chat_template);
}

std::string read_stdin() {
  std::ostringstream text;
  text << std::cin.rdbuf();
  return text.str();
}

std::string join_ids(const std::vector<int32_t>& ids) {
  std::string out;
  for (const int32_t id : ids) out += (out.empty() ? "" : " ") + std::to_string(id);
  return out;
}

int encode(const UseArgs& a) {
  const auto tokenizer = open_tokenizer(a);
  tokenizers::Encoding encoding;
  try {
    encoding = tokenizer.tokenizer().encode(read_stdin(), a.add_special);
  } catch (const std::runtime_error& e) {  // bytes that are not UTF-8, under --invalid-utf8 error
    throw std::runtime_error("stdin: " + std::string(e.what()) +
                             (a.invalid_utf8 == tokenizers::InvalidUtf8::kError ? " (--invalid-utf8 replace puts U+FFFD there)" : ""));
  }
  std::printf("%s\n", join_ids(encoding.ids).c_str());
  return 0;
}

int decode(const UseArgs& a) {
  const auto tokenizer = open_tokenizer(a);
  std::istringstream in(read_stdin());
  std::vector<int32_t> ids;
  for (std::string word; in >> word;) {
    size_t used = 0;
    long long id = -1;
    try {
      id = std::stoll(word, &used);
    } catch (const std::exception&) {
    }
    if (used != word.size() || id < 0 || id >= tokenizer.vocab_size())
      throw std::invalid_argument("stdin: '" + word + "' is not a token id (0 to " +
                                  std::to_string(tokenizer.vocab_size() - 1) + ")");
    ids.push_back(static_cast<int32_t>(id));
  }
  const std::string text = tokenizer.tokenizer().decode(ids, a.skip_special);
  std::fwrite(text.data(), 1, text.size(), stdout);  // the text may hold NUL bytes
  return 0;
}

void print_chat(const data::HfTokenizer& tokenizer, const nlohmann::ordered_json& messages, bool generation_prompt) {
  nlohmann::json out;
  if (generation_prompt) {
    out["text"] = tokenizer.chat_template().render(messages, /*add_generation_prompt=*/true);
    out["ids"] = tokenizer.tokenizer().encode(out["text"].get<std::string>()).ids;
  } else {
    const auto rendered = data::chat_tokens(messages, tokenizer);
    out["text"] = rendered.text;
    out["ids"] = rendered.ids;
    out["trained"] = rendered.trained;
  }
  std::printf("%s\n", out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
}

// One conversation per stdin line (a list of messages, or {"messages": [...]})
// -> one JSON line: the rendered text, its ids and, for training, which ids
// carry the loss.
int chat(const UseArgs& a) {
  const auto tokenizer = open_tokenizer(a);
  std::string line;
  for (int64_t number = 1; std::getline(std::cin, line); ++number) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    nlohmann::ordered_json record;  // keys in the order written, as Python keeps them for the template
    try {
      record = nlohmann::ordered_json::parse(line);
    } catch (const nlohmann::json::exception& e) {
      throw std::invalid_argument("stdin:" + std::to_string(number) + ": not JSON: " + e.what());
    }
    const auto& messages = record.is_object() && record.contains("messages") ? record["messages"] : record;
    try {
      print_chat(tokenizer, messages, a.generation_prompt);
    } catch (const std::runtime_error& e) {  // the template's own message, or raise_exception's text
      throw std::runtime_error("stdin:" + std::to_string(number) + ": " + e.what());
    }
  }
  return 0;
}

}  // namespace

int tokenizer_use_command(const std::string& action, const Args& args) {
  const UseArgs a = parse_use_args(args);
  if (action == "encode") return encode(a);
  if (action == "decode") return decode(a);
  return chat(a);
}

}  // namespace anvil::cli
