// The parity test's driver: encodes and decodes texts with an HfTokenizer.
//   encode_texts TOKENIZER INPUT.jsonl OUTPUT.jsonl [--error] [--save DIR]
// Each input line is {"text": ...} or {"hex": ...} (raw bytes, for invalid
// UTF-8). Each output line holds the ids and starts without and with special
// tokens and the decodes of the plain ids with and without
// skip_special_tokens, or {"error": ...}. The last line describes the tokenizer.
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>

#include "tokenizers/hf_tokenizer.h"

namespace {

using anvil::tokenizers::HfTokenizer;
using nlohmann::json;

std::string from_hex(const std::string& hex) {
  std::string bytes;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) bytes += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
  return bytes;
}

json encode_one(const HfTokenizer& tokenizer, const std::string& text) {
  try {
    const auto plain = tokenizer.encode(text, false);
    const auto special = tokenizer.encode(text, true);
    return {{"ids", plain.ids},
            {"starts", plain.starts},
            {"special_ids", special.ids},
            {"decoded", tokenizer.decode(plain.ids, false)},
            {"decoded_skip", tokenizer.decode(special.ids, true)}};
  } catch (const std::exception& e) {
    return {{"error", e.what()}};
  }
}

json describe(const HfTokenizer& tokenizer) {
  const auto& special = tokenizer.special_tokens();
  return {{"vocab_size", tokenizer.vocab_size()},
          {"bos", special.bos},
          {"eos", special.eos},
          {"pad", special.pad},
          {"unk", special.unk},
          {"bos_id", special.bos_id},
          {"eos_id", special.eos_id},
          {"pad_id", special.pad_id},
          {"unk_id", special.unk_id},
          {"end_ids", special.end_ids},
          {"template_variables", special.template_variables},
          {"chat_template", tokenizer.chat_template()},
          {"fingerprint", std::to_string(tokenizer.fingerprint())}};
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::cerr << "usage: encode_texts TOKENIZER INPUT.jsonl OUTPUT.jsonl [--error] [--save DIR]\n";
    return 64;
  }
  auto policy = anvil::tokenizers::InvalidUtf8::kReplace;
  std::string save_dir;
  for (int i = 4; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--error") policy = anvil::tokenizers::InvalidUtf8::kError;
    else if (arg == "--save" && i + 1 < argc) save_dir = argv[++i];
  }
  try {
    const HfTokenizer tokenizer = HfTokenizer::load(argv[1], policy);
    if (!save_dir.empty()) tokenizer.save(save_dir);
    std::ifstream in(argv[2]);
    std::ofstream out(argv[3]);
    std::string line;
    while (std::getline(in, line)) {
      const json item = json::parse(line);
      const std::string text = item.contains("hex") ? from_hex(item["hex"]) : item["text"].get<std::string>();
      out << encode_one(tokenizer, text).dump(-1, ' ', false, json::error_handler_t::replace) << '\n';
    }
    out << describe(tokenizer).dump(-1, ' ', false, json::error_handler_t::replace) << '\n';
  } catch (const std::exception& e) {
    std::cerr << "encode_texts: " << e.what() << '\n';
    return 1;
  }
  return 0;
}
