#include <cstdio>

#include "common/console.h"
#include "tools/anvil/commands.h"
#include "tools/anvil/config_args.h"
#include "recipes/corpus.h"

namespace anvil::cli {

int tokenizer_command(const Args& args) {
  const std::string action = args.empty() ? "" : args[0];
  const bool use = action == "encode" || action == "decode" || action == "chat";
  if ((action != "train" && !use) || wants_help(args)) {
    print_usage_with_keys(
        "usage: anvil tokenizer train CONFIG [key.path=value ...]\n"
        "       anvil tokenizer encode TOKENIZER [--add-special] [--invalid-utf8 error|replace] < text\n"
        "       anvil tokenizer decode TOKENIZER [--skip-special] < ids\n"
        "       anvil tokenizer chat TOKENIZER [--chat-template FILE] [--add-generation-prompt] < conversations\n\n"
        "train: trains a sentencepiece model (tokenizer.model_type, vocab_size, character_coverage, byte_fallback,\n"
        "special_tokens) on the documents of data.sources (those with split: val left out) and writes it\n"
        "to tokenizer.path.\n"
        "encode, decode, chat: TOKENIZER is a Hugging Face model directory, a tokenizer file (tokenizer.json,\n"
        "vocab.json, tokenizer.model) or a directory anvil wrote (an imported model, a checkpoint). encode\n"
        "prints stdin's ids on one line, without special tokens unless --add-special; decode prints the text\n"
        "of space-separated ids. chat reads one conversation per line (a JSON list of {role, content}, or\n"
        "{\"messages\": [...]}) and prints per line the text the chat template renders, its ids and which ids\n"
        "are trained (the assistant turns and their end-of-turn tokens).");
    return wants_help(args) ? 0 : 2;
  }
  if (use) return tokenizer_use_command(action, {args.begin() + 1, args.end()});
  const auto config = load_config_args({args.begin() + 1, args.end()}, recipes::ConfigUse::kTokenizerTrain).config;
  common::say("anvil tokenizer train -> %s (%s, vocabulary %lld)", config.tokenizer.path.c_str(),
              config.tokenizer.model_type.c_str(), static_cast<long long>(config.tokenizer.vocab_size));
  auto options = recipes::tokenizer_training_options(config);
  data::TokenizerTrainingReport report;
  {
    common::ProgressLine progress("tokenizer train", 0, "line");
    options.on_progress = [&](int64_t lines, int64_t total) {
      progress.set_total(total);
      progress.update(lines, total > 0 ? "lines to sentencepiece" : "reading");
    };
    report = data::train_sentencepiece(recipes::tokenizer_corpus(config), options, config.tokenizer.path);
  }
  common::say("done: %lld pieces from %lld lines", static_cast<long long>(report.vocab_size),
              static_cast<long long>(report.sentences));
  return 0;
}

}  // namespace anvil::cli
